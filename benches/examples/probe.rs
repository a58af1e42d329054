use regex_automata::{Input, meta, util::syntax};
fn main() {
    let lines = logsift_benches::sample_lines("structlog.ndjson");
    let pats: Vec<String> = std::env::args().skip(1).collect();
    let re = meta::Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build_many(&pats)
        .unwrap();
    let mut cache = re.create_cache();
    let mut n = 0;
    for _ in 0..10 {
        for l in &lines {
            let mut at = 0;
            while at < l.len() {
                match re.search_with(&mut cache, &Input::new(l).range(at..)) {
                    Some(m) => {
                        n += 1;
                        at = m.end().max(m.start() + 1);
                    }
                    None => break,
                }
            }
        }
    }
    println!("{}", n / 10);
}
