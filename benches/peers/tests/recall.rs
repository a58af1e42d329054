//! The peers are real competitors and logsift is measured fairly against
//! them: the VRL program compiles and catches nearly everything planted
//! (a broken peer would make every ratio meaningless), and logsift's strict
//! preset catches at least as much while damaging no trap.

use logsift_peers::naive::Naive;
use logsift_peers::{Vrl, logsift, recall};

#[test]
fn logsift_recall_is_at_least_each_peers() {
    let ours = recall(logsift(r#"{"scrub": {"preset": "strict"}}"#));
    let vrl = Vrl::new().expect("the VRL program compiles");
    let theirs = recall(|l| vrl.scrub(l));
    let naive = Naive::strict();
    let baseline = recall(|l| naive.scrub(l));
    assert!(ours.planted > 300, "{ours:?}");
    assert_eq!(ours.caught, ours.planted, "logsift strict leaked: {ours:?}");
    assert_eq!(ours.damaged, 0, "logsift strict damaged traps: {ours:?}");
    assert!(
        theirs.recall() > 0.9 && theirs.precision() > 0.9,
        "the VRL peer is not a fair competitor: {theirs:?}"
    );
    assert!(ours.recall() >= theirs.recall() && ours.recall() >= baseline.recall());
}
