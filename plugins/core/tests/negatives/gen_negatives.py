#!/usr/bin/env python3
"""Real-log negative corpus for logsift's precision test (tests/negatives.rs).

Writes one file per log style next to this script:

    syslog.log      Linux syslog (kernel, systemd, cron, sshd, NetworkManager,
                    dhclient, chronyd, audit, rsyslogd, postfix queue lines)
    hdfs.log        Hadoop/HDFS DataNode and NameNode (2008 and Hadoop 3 styles,
                    blk_ ids signed and unsigned 64-bit)
    kubernetes.log  klog (kubelet, scheduler, apiserver, controller-manager),
                    containerd, etcd and CoreDNS lines
    nginx.log       nginx error log and access log lines
    windows.log     Windows CBS/CSI servicing log and event-log style lines
    android.log     logcat -v threadtime
    zookeeper.log   ZooKeeper server (3.4 and 3.6+ styles)
    macos.log       macOS syslog and unified-log style lines

The lines are written in the style of what these systems really print: the
message templates are theirs, the variable parts are random (timestamps in
many styles, epoch seconds and milliseconds, pids, tids, ports, sizes,
durations, versions, UUIDs, hashes, digests, signed 64-bit ids, counters,
KB numbers, HRESULTs...). They hold no personal data: no emails, phone
numbers, card numbers, SSNs, IBANs, secrets, tokens, passwords, nor people's
names; accounts are service accounts (root, git, hdfs, zookeeper...); IP
addresses are private (10/8, 172.16/12, 192.168/16) or documentation ranges
(192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32). So a scrubber
should leave every line as it is.

Standard library only, fixed seeds, byte-identical output on every run:

    python3 plugins/core/tests/negatives/gen_negatives.py
"""

import ipaddress
import os
import random
import re
import zlib
from datetime import datetime, timedelta, timezone

OUT = os.path.dirname(os.path.abspath(__file__))
LINES_PER_FILE = 750

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class G:
    """Random values for one file, with a clock that only moves forward."""

    def __init__(self, name, start):
        self.r = random.Random(zlib.crc32(name.encode()))
        self.t = start

    def tick(self, lo_ms=1, hi_ms=20_000):
        self.t += timedelta(microseconds=self.r.randint(lo_ms * 1000, hi_ms * 1000))

    # --- picks -----------------------------------------------------------
    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def n(self, lo, hi):
        return self.r.randint(lo, hi)

    def f(self, lo, hi, digits=3):
        return f"{self.r.uniform(lo, hi):.{digits}f}"

    def hexs(self, n):
        return "".join(self.pick("0123456789abcdef") for _ in range(n))

    def HEXS(self, n):
        return self.hexs(n).upper()

    def uuid(self):
        h = self.hexs(32)
        v = "89ab"[self.r.randrange(4)]
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{v}{h[17:20]}-{h[20:32]}"

    def guid(self):
        return "{" + self.uuid().upper() + "}"

    def sha256(self):
        return "sha256:" + self.hexs(64)

    def i64(self):
        return self.r.randint(-(2**63), 2**63 - 1)

    def pid(self):
        return self.r.randint(2, 65535)

    def port(self):
        return self.r.randint(32768, 60999)

    def k8s(self, n):
        return "".join(self.pick(K8S_ALPHABET) for _ in range(n))

    def size_h(self):
        return self.pick([f"{self.f(1, 999, 1)}M", f"{self.f(1, 64, 1)}G", f"{self.n(4, 1023)}K"])

    # --- addresses (private and documentation ranges only) --------------
    def ip10(self, net=None):
        if net is None:
            return f"10.{self.n(0, 255)}.{self.n(0, 255)}.{self.n(1, 254)}"
        return f"{net}.{self.n(1, 254)}"

    def ip_private(self):
        k = self.r.randrange(3)
        if k == 0:
            return self.ip10()
        if k == 1:
            return f"172.{self.n(16, 31)}.{self.n(0, 255)}.{self.n(1, 254)}"
        return f"192.168.{self.n(0, 255)}.{self.n(1, 254)}"

    def ip_doc(self):
        return f"{self.pick(['192.0.2', '198.51.100', '203.0.113'])}.{self.n(1, 254)}"

    def ip6_doc(self):
        return "2001:db8:" + ":".join(f"{self.n(0, 0xFFFF):x}" for _ in range(self.n(1, 3))) + "::" + f"{self.n(1, 0xFFFF):x}"

    def mac_local(self):
        # Locally administered (QEMU/KVM, Docker) MACs, not a vendor's device.
        pre = self.pick(["52:54:00", "02:42:ac", "02:42:0a"])
        return pre + ":" + ":".join(f"{self.n(0, 255):02x}" for _ in range(3))

    # --- timestamps -----------------------------------------------------
    def epoch(self):
        return int(self.t.timestamp())

    def epoch_ms(self):
        return int(self.t.timestamp() * 1000)

    def rfc3164(self):
        t = self.t
        return f"{MONTHS[t.month - 1]} {t.day:>2} {t:%H:%M:%S}"

    def iso(self, frac=6, z=True):
        t = self.t
        s = t.strftime("%Y-%m-%dT%H:%M:%S")
        if frac:
            s += "." + f"{t.microsecond:06d}"[:frac] if frac <= 6 else "." + f"{t.microsecond:06d}" + "0" * (frac - 6)
        return s + ("Z" if z else "+00:00")


def write(name, lines):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            assert line and "\n" not in line and line == line.strip(), repr(line)
            fh.write(line + "\n")
    return path


def generate(g, templates, n=LINES_PER_FILE, tick=(1, 20_000)):
    weights = [w for w, _ in templates]
    fns = [fn for _, fn in templates]
    out = []
    while len(out) < n:
        g.tick(*tick)
        fn = g.r.choices(fns, weights)[0]
        res = fn(g)
        for line in res if isinstance(res, list) else [res]:
            if len(out) < n:
                out.append(line.rstrip())
    return out


# =========================================================================
# syslog
# =========================================================================

HOSTS = ["web-01", "web-02", "db-03", "build-07", "edge-gw", "worker-12", "ci-runner-4", "nas01"]
SERVICE_USERS = ["root", "git", "deploy", "backup", "ansible", "postgres", "jenkins", "nagios", "www-data"]
UNITS = [
    ("apt-daily.service", "Daily apt download activities"),
    ("apt-daily-upgrade.service", "Daily apt upgrade and clean activities"),
    ("logrotate.service", "Rotate log files"),
    ("man-db.service", "Daily man-db regeneration"),
    ("systemd-tmpfiles-clean.service", "Cleanup of Temporary Directories"),
    ("fstrim.service", "Discard unused blocks on filesystems from /etc/fstab"),
    ("certbot.service", "Certbot"),
    ("motd-news.service", "Message of the Day"),
    ("sysstat-collect.service", "system activity accounting tool"),
    ("e2scrub_all.service", "Online ext4 Metadata Check for All Filesystems"),
    ("phpsessionclean.service", "Clean php session files"),
    ("docker.service", "Docker Application Container Engine"),
    ("unattended-upgrades.service", "Unattended Upgrades Shutdown"),
]


def sys_hdr(g, prog, pid=None, host=None):
    host = host or g.host
    tag = f"{prog}[{pid}]" if pid is not None else prog
    if g.r.random() < 0.2:
        return f"{g.iso(6, z=False)} {host} {tag}:"
    return f"{g.rfc3164()} {host} {tag}:"


def kts(g):
    g.uptime += g.r.uniform(0.001, 30)
    return f"[{g.uptime:12.6f}]"


def syslog_templates():
    def kernel(g):
        msgs = [
            lambda: f"EXT4-fs (sda{g.n(1, 4)}): mounted filesystem with ordered data mode. Opts: (null). Quota mode: none.",
            lambda: f"EXT4-fs (nvme0n1p{g.n(1, 3)}): re-mounted {g.uuid()} r/w. Quota mode: none.",
            lambda: f"IPv4: martian source {g.ip10('10.0.3')} from {g.ip10('10.0.3')}, on dev eth0",
            lambda: f"usb {g.n(1, 3)}-{g.n(1, 6)}: new high-speed USB device number {g.n(2, 40)} using xhci_hcd",
            lambda: f"usb {g.n(1, 3)}-{g.n(1, 6)}: New USB device found, idVendor={g.hexs(4)}, idProduct={g.hexs(4)}, bcdDevice= {g.n(0, 9)}.{g.n(0, 99):02d}",
            lambda: f"e1000e 0000:00:1f.6 eno1: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
            lambda: f"e1000e 0000:00:1f.6 eno1: NIC Link is Down",
            lambda: f"Out of memory: Killed process {g.pid()} (java) total-vm:{g.n(2_000_000, 30_000_000)}kB, anon-rss:{g.n(500_000, 9_000_000)}kB, file-rss:{g.n(0, 9000)}kB, shmem-rss:0kB, UID:{g.n(990, 999)} pgtables:{g.n(1000, 30000)}kB oom_score_adj:0",
            lambda: f"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=docker-{g.hexs(64)}.scope,mems_allowed=0,oom_memcg=/system.slice/docker-{g.hexs(64)}.scope,task=node,pid={g.pid()},uid=1000",
            lambda: f"[UFW BLOCK] IN=eth0 OUT= MAC={g.mac_local()}:{g.mac_local()}:08:00 SRC={g.ip_doc()} DST={g.ip10('10.0.3')} LEN={g.n(40, 1500)} TOS=0x00 PREC=0x00 TTL={g.n(30, 64)} ID={g.n(1, 65535)} DF PROTO=TCP SPT={g.port()} DPT={g.pick([22, 23, 3389, 5900, 8080, 445])} WINDOW={g.n(1024, 65535)} RES=0x00 SYN URGP=0",
            lambda: f"{g.pick(['python3', 'node', 'php-fpm8.2', 'ruby'])}[{g.pid()}]: segfault at {g.hexs(g.n(1, 12))} ip 00007f{g.hexs(10)} sp 00007ff{g.hexs(9)} error {g.pick([4, 6, 14, 15])} in libc.so.6[7f{g.hexs(6)}000+{g.hexs(3)}000] likely on CPU {g.n(0, 15)} (core {g.n(0, 7)}, socket 0)",
            lambda: f"audit: type=1400 audit({g.epoch()}.{g.n(0, 999):03d}:{g.n(100, 99999)}): apparmor=\"DENIED\" operation=\"open\" profile=\"{g.pick(['/usr/sbin/cupsd', '/usr/bin/man', 'snap.lxd.daemon', '/usr/sbin/tcpdump'])}\" name=\"{g.pick(['/etc/ssl/openssl.cnf', '/proc/sys/kernel/random/boot_id', '/run/systemd/userdb/'])}\" pid={g.pid()} comm=\"{g.pick(['cupsd', 'man', 'lxd', 'tcpdump'])}\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0",
            lambda: f"nvme nvme0: {g.n(8, 64)}/0/0 default/read/poll queues",
            lambda: f"perf: interrupt took too long ({g.n(2500, 9000)} > {g.n(2500, 9000)}), lowering kernel.perf_event_max_sample_rate to {g.n(20000, 80000)}",
            lambda: f"TCP: request_sock_TCP: Possible SYN flooding on port {g.pick([80, 443, 8443])}. Sending cookies.  Check SNMP counters.",
            lambda: f"br-{g.hexs(12)}: port {g.n(1, 9)}(veth{g.hexs(7)}) entered forwarding state",
            lambda: f"eth0: renamed from veth{g.hexs(7)}",
            lambda: f"Memory: {g.n(8_000_000, 64_000_000)}K/{g.n(8_000_000, 64_000_000)}K available ({g.n(10000, 20000)}K kernel code, {g.n(2000, 5000)}K rwdata, {g.n(5000, 9000)}K rodata, {g.n(2000, 5000)}K init, {g.n(1000, 9000)}K bss, {g.n(100000, 900000)}K reserved, 0K cma-reserved)",
            lambda: f"clocksource: tsc: mask: 0xffffffffffffffff max_cycles: 0x{g.hexs(11)}, max_idle_ns: {g.n(100_000_000_000, 999_999_999_999)} ns",
            lambda: f"sd {g.n(0, 3)}:0:0:0: [sd{g.pick('abcd')}] {g.n(100_000_000, 7_814_037_168)} 512-byte logical blocks: ({g.n(100, 4000)} GB/{g.n(100, 3700)} GiB)",
            lambda: f"mce: [Hardware Error]: Machine check events logged",
            lambda: f"Linux version 6.{g.n(1, 8)}.0-{g.n(10, 40)}-generic (buildd@lcy02-amd64-{g.n(10, 99):03d}) (x86_64-linux-gnu-gcc-12 (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #{g.n(20, 120)}~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC",
        ]
        return f"{sys_hdr(g, 'kernel')} {kts(g)} {g.pick(msgs)()}"

    def systemd(g):
        unit, desc = g.pick(UNITS)
        msgs = [
            f"Starting {desc}...",
            f"Started {desc}.",
            f"Finished {desc}.",
            f"{unit}: Deactivated successfully.",
            f"{unit}: Succeeded.",
            f"{unit}: Consumed {g.f(0.01, 90, 3)}s CPU time.",
            f"{unit}: Main process exited, code=exited, status={g.pick([1, 2, 127, 203])}/{g.pick(['FAILURE', 'INVALIDARGUMENT', 'EXEC'])}",
            f"{unit}: Failed with result 'exit-code'.",
            f"{unit}: Scheduled restart job, restart counter is at {g.n(1, 40)}.",
            f"{unit.replace('.service', '.timer')}: Adding {g.n(0, 11)}h {g.n(0, 59)}min {g.f(0, 59, 6)}s random time.",
            f"session-{g.n(1, 9999)}.scope: Deactivated successfully.",
            f"session-{g.n(1, 9999)}.scope: Consumed {g.f(0.01, 9, 3)}s CPU time.",
            f"Started Session {g.n(1, 9999)} of User {g.pick(SERVICE_USERS)}.",
            f"Started user@{g.pick([0, 998, 999, 1001])}.service - User Manager for UID {g.pick([0, 998, 999])}.",
            f"Stopping user-runtime-dir@{g.pick([0, 998, 999])}.service - User Runtime Directory /run/user/{g.pick([0, 998, 999])}...",
            f"run-docker-runtime\\x2drunc-moby-{g.hexs(64)}-runc.{g.k8s(6)}.mount: Deactivated successfully.",
            f"var-lib-docker-overlay2-{g.hexs(64)}\\x2dinit-merged.mount: Deactivated successfully.",
            f"Reloading requested from client PID {g.pid()} ('systemctl') (unit {unit})...",
            f"Startup finished in {g.f(1, 9, 3)}s (kernel) + {g.f(2, 60, 3)}s (userspace) = {g.f(3, 70, 3)}s.",
            f"Created slice system-getty.slice - Slice /system/getty.",
            f"Reached target timers.target - Timer Units.",
            f"Condition check resulted in {desc} being skipped.",
        ]
        return f"{sys_hdr(g, 'systemd', 1)} {g.pick(msgs)}"

    def logind(g):
        s = g.n(1, 9999)
        msgs = [
            f"New session {s} of user {g.pick(SERVICE_USERS)}.",
            f"Session {s} logged out. Waiting for processes to exit.",
            f"Removed session {s}.",
            f"Watching system buttons on /dev/input/event{g.n(0, 9)} (Power Button)",
            f"New seat seat0.",
        ]
        return f"{sys_hdr(g, 'systemd-logind', g.pid())} {g.pick(msgs)}"

    def journald(g):
        msgs = [
            f"System Journal (/var/log/journal/{g.hexs(32)}) is {g.f(0.1, 3.9, 1)}G, max 4.0G, {g.f(0.1, 3.9, 1)}G free.",
            f"Time spent on flushing to /var/log/journal/{g.hexs(32)} is {g.f(1, 900, 3)}ms for {g.n(100, 9999)} entries.",
            f"Suppressed {g.n(10, 99999)} messages from {g.pick(['docker.service', 'kubelet.service', 'cron.service'])}",
            f"Journal started",
            f"Data hash table of /var/log/journal/{g.hexs(32)}/system.journal has a fill level at {g.f(75, 99, 1)} ({g.n(10000, 99999)} of {g.n(100000, 120000)} items, {g.n(1_000_000, 9_000_000)} file size, {g.n(50, 400)} bytes per hash table item), suggesting rotation.",
        ]
        return f"{sys_hdr(g, 'systemd-journald', g.pid())} {g.pick(msgs)}"

    def cron(g):
        u = g.pick(["root", "backup", "postgres", "www-data", "nagios"])
        cmds = [
            "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
            "/usr/lib/sysstat/debian-sa1 1 1",
            "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi",
            f"/usr/local/bin/backup.sh --full --retention {g.n(3, 30)} >/var/log/backup/cron.log 2>&1",
            "cd / && run-parts --report /etc/cron.hourly",
            "/usr/bin/certbot -q renew",
            f"/opt/scripts/rotate-archives.sh /srv/archive {g.n(7, 90)}",
            "/usr/lib/nagios/plugins/check_disk -w 20% -c 10% -p /",
        ]
        msgs = [
            f"({u}) CMD ({g.pick(cmds)})",
            f"pam_unix(cron:session): session opened for user {u}(uid={0 if u == 'root' else g.n(33, 999)}) by (uid=0)",
            f"pam_unix(cron:session): session closed for user {u}",
            f"(CRON) info (No MTA installed, discarding output)",
        ]
        return f"{sys_hdr(g, 'CRON', g.pid())} {g.pick(msgs)}"

    def sshd(g):
        u = g.pick(["git", "deploy", "backup", "ansible", "jenkins"])
        ip = g.pick([g.ip10(), g.ip_private(), g.ip_doc()])
        fp = "".join(g.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(43))
        msgs = [
            f"Accepted publickey for {u} from {ip} port {g.port()} ssh2: ED25519 SHA256:{fp}",
            f"Accepted publickey for {u} from {ip} port {g.port()} ssh2: RSA SHA256:{fp}",
            f"pam_unix(sshd:session): session opened for user {u}(uid={g.n(998, 1010)}) by (uid=0)",
            f"pam_unix(sshd:session): session closed for user {u}",
            f"Received disconnect from {ip} port {g.port()}:11: disconnected by user",
            f"Disconnected from user {u} {ip} port {g.port()}",
            f"Invalid user {g.pick(['admin', 'test', 'oracle', 'ubuntu', 'pi', 'ftpuser', 'support'])} from {g.ip_doc()} port {g.port()}",
            f"Failed password for invalid user {g.pick(['admin', 'test', 'oracle', 'ubuntu', 'guest'])} from {g.ip_doc()} port {g.port()} ssh2",
            f"Connection closed by invalid user {g.pick(['admin', 'test', 'user'])} {g.ip_doc()} port {g.port()} [preauth]",
            f"Connection closed by authenticating user root {g.ip_doc()} port {g.port()} [preauth]",
            f"Unable to negotiate with {g.ip_doc()} port {g.port()}: no matching host key type found. Their offer: ssh-rsa,ssh-dss [preauth]",
            f"error: kex_exchange_identification: Connection closed by remote host",
            f"Timeout before authentication for connection from {g.ip_doc()} to {g.ip10('10.0.3')}, pid = {g.pid()}",
            f"Server listening on 0.0.0.0 port 22.",
            f"Server listening on :: port 22.",
            f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={g.ip_doc()}  user=root",
            f"PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost={g.ip_doc()}",
            f"Starting session: command for {u} from {ip} port {g.port()} id 0",
        ]
        return f"{sys_hdr(g, 'sshd', g.pid())} {g.pick(msgs)}"

    def nm(g):
        ts = f"[{g.epoch()}.{g.n(0, 9999):04d}]"
        dev = g.pick(["eth0", "enp3s0", "wlp2s0", "docker0", "br0"])
        ip = g.ip_private()
        msgs = [
            f"<info>  {ts} device ({dev}): state change: {g.pick(['activated -> deactivating', 'config -> ip-config', 'ip-config -> ip-check', 'disconnected -> prepare'])} (reason '{g.pick(['none', 'connection-removed', 'carrier-changed', 'user-requested'])}', sys-iface-state: 'managed')",
            f"<info>  {ts} dhcp4 ({dev}): option ip_address           => '{ip}'",
            f"<info>  {ts} dhcp4 ({dev}): option expiry              => '{g.epoch() + g.pick([3600, 7200, 86400])}'",
            f"<info>  {ts} dhcp4 ({dev}): option dhcp_lease_time      => '{g.pick([3600, 7200, 86400, 43200])}'",
            f"<info>  {ts} dhcp4 ({dev}): option requested_ms_classless_static_routes => '1'",
            f"<info>  {ts} dhcp4 ({dev}): option domain_name_servers  => '{g.ip_private()} {g.ip_private()}'",
            f"<info>  {ts} dhcp4 ({dev}): state changed new lease, address={ip}",
            f"<info>  {ts} manager: NetworkManager state is now {g.pick(['CONNECTED_GLOBAL', 'CONNECTED_SITE', 'CONNECTING', 'DISCONNECTED'])}",
            f"<info>  {ts} device ({dev}): Activation: successful, device activated.",
            f"<info>  {ts} policy: set '{g.pick(['Wired connection 1', 'lab-5G', 'office-wifi'])}' ({dev}) as default for IPv4 routing and DNS",
            f"<warn>  {ts} device ({dev}): Activation: failed for connection '{g.pick(['Wired connection 1', 'lab-5G'])}'",
            f"<info>  {ts} connectivity: (eth0) timed out",
            f"<info>  {ts} dhcp6 ({dev}): activation: beginning transaction (timeout in 45 seconds)",
        ]
        return f"{sys_hdr(g, 'NetworkManager', g.nm_pid)} {g.pick(msgs)}"

    def dhclient(g):
        ip, srv = g.ip_private(), g.ip_private()
        xid = f"0x{g.hexs(8)}"
        msgs = [
            f"DHCPREQUEST for {ip} on eth0 to {srv} port 67 (xid={xid})",
            f"DHCPACK of {ip} from {srv} (xid={xid})",
            f"DHCPDISCOVER on eth0 to 255.255.255.255 port 67 interval {g.n(3, 20)} (xid={xid})",
            f"DHCPOFFER of {ip} from {srv}",
            f"bound to {ip} -- renewal in {g.n(600, 43000)} seconds.",
        ]
        return f"{sys_hdr(g, 'dhclient', g.pid())} {g.pick(msgs)}"

    def misc(g):
        qid = g.HEXS(10)
        opts = [
            f"{sys_hdr(g, 'chronyd', g.pid())} Selected source {g.ip_private()} ({g.pick(['ntp1.internal', 'ntp2.internal', 'gw.lan'])})",
            f"{sys_hdr(g, 'chronyd', g.pid())} System clock wrong by {g.f(-3, 3, 6)} seconds",
            f"{sys_hdr(g, 'chronyd', g.pid())} Source {g.ip_doc()} replaced with {g.ip_doc()} (2.debian.pool.ntp.org)",
            f"{sys_hdr(g, 'rsyslogd')} [origin software=\"rsyslogd\" swVersion=\"8.{g.n(2100, 2400)}.0\" x-pid=\"{g.pid()}\" x-info=\"https://www.rsyslog.com\"] rsyslogd was HUPed",
            f"{sys_hdr(g, 'rsyslogd')} imuxsock: Acquired UNIX socket '/run/systemd/journal/syslog' (fd 3) from systemd.  [v8.{g.n(2100, 2400)}.0]",
            f"{sys_hdr(g, 'smartd', g.pid())} Device: /dev/sd{g.pick('abcd')} [SAT], SMART Usage Attribute: 194 Temperature_Celsius changed from {g.n(30, 60)} to {g.n(30, 60)}",
            f"{sys_hdr(g, 'smartd', g.pid())} Device: /dev/sd{g.pick('abcd')} [SAT], SMART Prefailure Attribute: 1 Raw_Read_Error_Rate changed from {g.n(100, 200)} to {g.n(100, 200)}",
            f"{sys_hdr(g, 'postfix/qmgr', g.pid())} {qid}: removed",
            f"{sys_hdr(g, 'postfix/pickup', g.pid())} {qid}: uid={g.n(0, 999)} from=<root>",
            f"{sys_hdr(g, 'postfix/smtpd', g.pid())} connect from unknown[{g.ip_doc()}]",
            f"{sys_hdr(g, 'postfix/smtpd', g.pid())} lost connection after EHLO from unknown[{g.ip_doc()}]",
            f"{sys_hdr(g, 'postfix/anvil', g.pid())} statistics: max connection rate {g.n(1, 9)}/60s for (smtp:{g.ip_doc()}) at {g.rfc3164()}",
            f"{sys_hdr(g, 'dockerd', g.pid())} time=\"{g.iso(9)}\" level=info msg=\"ignoring event\" container={g.hexs(64)} module=libcontainerd namespace=moby topic=/tasks/delete type=\"*events.TaskDelete\"",
            f"{sys_hdr(g, 'dockerd', g.pid())} time=\"{g.iso(9)}\" level=warning msg=\"Health check for container {g.hexs(64)} error: context deadline exceeded\"",
            f"{sys_hdr(g, 'containerd', g.pid())} time=\"{g.iso(9)}\" level=info msg=\"shim disconnected\" id={g.hexs(64)} namespace=moby",
            f"{sys_hdr(g, 'snapd', g.pid())} storehelpers.go:{g.n(700, 900)}: cannot refresh: snap has no updates available: \"core22\", \"lxd\", \"snapd\"",
            f"{sys_hdr(g, 'sudo', None)}     root : PWD=/root ; USER=postgres ; COMMAND=/usr/bin/psql -c SELECT pg_reload_conf()",
            f"{sys_hdr(g, 'sudo', None)} pam_unix(sudo:session): session opened for user postgres(uid={g.n(100, 130)}) by (uid=0)",
            f"{sys_hdr(g, 'kernel')} {kts(g)} veth{g.hexs(7)}: entered promiscuous mode",
            f"{sys_hdr(g, 'ntpd', g.pid())} Listen normally on {g.n(3, 9)} eth0 {g.ip10('10.0.3')}:123",
            f"{sys_hdr(g, 'avahi-daemon', g.pid())} Registering new address record for {g.ip_private()} on eth0.IPv4.",
            f"{sys_hdr(g, 'avahi-daemon', g.pid())} Joining mDNS multicast group on interface eth0.IPv6 with address {g.ip6_doc()}.",
            f"{sys_hdr(g, 'udisksd', g.pid())} Mounted /dev/sd{g.pick('bc')}1 at /media/disk-{g.n(1, 9)} on behalf of uid 0",
            f"{sys_hdr(g, 'multipathd', g.pid())} sd{g.pick('abcd')}: failed to get udev uid: Invalid argument",
            f"{sys_hdr(g, 'fail2ban.actions', None)} [{g.pid()}]: NOTICE  [sshd] Ban {g.ip_doc()}",
        ]
        return g.pick(opts)

    return [
        (12, kernel),
        (14, systemd),
        (4, logind),
        (3, journald),
        (8, cron),
        (10, sshd),
        (8, nm),
        (3, dhclient),
        (12, misc),
    ]


def gen_syslog():
    g = G("syslog", datetime(2024, 3, 3, 6, 25, 1, tzinfo=timezone.utc))
    g.host = "web-01"
    g.uptime = 1.0
    g.nm_pid = 812
    tpl = syslog_templates()

    def hosted(fn):
        def inner(g):
            g.host = g.pick(HOSTS)
            return fn(g)

        return inner

    return generate(g, [(w, hosted(fn)) for w, fn in tpl], tick=(1, 60_000))


# =========================================================================
# HDFS
# =========================================================================


def hdfs_old(g):
    t = g.t
    hdr = f"{t:%y%m%d} {t:%H%M%S} {g.n(1, 35000)}"
    b = f"blk_{g.i64()}"
    a, c = f"10.{g.n(250, 251)}.{g.n(0, 255)}.{g.n(1, 254)}", f"10.{g.n(250, 251)}.{g.n(0, 255)}.{g.n(1, 254)}"
    job = f"{t:%Y%m%d%H%M}_{g.n(1, 40):04d}"
    part = g.n(0, 2000)
    msgs = [
        f"INFO dfs.DataNode$PacketResponder: PacketResponder {g.n(0, 2)} for block {b} terminating",
        f"INFO dfs.DataNode$PacketResponder: Received block {b} of size {g.pick([67108864, g.n(1000, 67108864)])} from /{a}",
        f"INFO dfs.DataNode$DataXceiver: Receiving block {b} src: /{a}:{g.port()} dest: /{c}:50010",
        f"INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_{job}_m_{part:06d}_0/part-{part:05d}. {b}",
        f"INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: {a}:50010 is added to {b} size {g.pick([67108864, g.n(1000, 67108864)])}",
        f"INFO dfs.DataNode$DataTransfer: {a}:50010:Transmitted block {b} to /{c}:50010",
        f"INFO dfs.FSNamesystem: BLOCK* ask {a}:50010 to replicate {b} to datanode(s) {c}:50010",
        f"INFO dfs.FSDataset: Deleting block {b} file /mnt/hadoop/dfs/data/current/subdir{g.n(0, 63)}/{b}",
        f"INFO dfs.DataBlockScanner: Verification succeeded for {b}",
        f"INFO dfs.FSNamesystem: BLOCK* NameSystem.delete: {b} is added to invalidSet of {a}:50010",
        f"WARN dfs.DataNode$DataXceiver: {a}:50010:Got exception while serving {b} to /{c}:",
        f"INFO dfs.DataNode: {a}:50010 Starting thread to transfer block {b} to {c}:50010",
        f"INFO dfs.DataNode$BlockReceiver: Exception in receiveBlock for block {b} java.io.IOException: Connection reset by peer",
        f"INFO dfs.DataNode$DataXceiver: writeBlock {b} received exception java.io.IOException: Could not read from stream",
        f"INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: Redundant addStoredBlock request received for {b} on {a}:50010 size {g.n(1000, 67108864)}",
        f"WARN dfs.FSDataset: Unexpected error trying to delete block {b}. BlockInfo not found in volumeMap.",
        f"INFO dfs.DataNode$BlockReceiver: Receiving empty packet for block {b}",
        f"INFO dfs.FSNamesystem: BLOCK* Removing block {b} from neededReplications as it does not belong to any file.",
    ]
    return f"{hdr} {g.pick(msgs)}"


def hdfs_new(g):
    t = g.t
    ts = f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d}"
    g.blk += g.n(0, 3)
    g.gs += g.n(0, 3)
    bp = g.bp
    blk = f"blk_{g.blk}_{g.gs}"
    dn = lambda: f"10.10.34.{g.n(11, 40)}"  # noqa: E731
    path = g.pick([
        f"/data/raw/{t:%Y/%m/%d}/part-{g.n(0, 999):05d}.parquet",
        f"/user/hive/warehouse/events/dt={t:%Y-%m-%d}/{g.hexs(16)}_{g.n(0, 99):06d}_0",
        f"/tmp/hadoop-yarn/staging/hdfs/.staging/job_{g.epoch_ms() - g.n(0, 9999999)}_{g.n(1, 9999):04d}/job.xml",
        f"/hbase/data/default/metrics/{g.hexs(32)}/d/{g.hexs(32)}",
        f"/apps/spark/eventlogs/application_{g.epoch_ms() - g.n(0, 9999999)}_{g.n(1, 9999):04d}.lz4.inprogress",
        f"/tmp/hive/hive/_tez_session_dir/{g.uuid()}/.tez/application_{g.epoch_ms() - g.n(0, 9999999)}_{g.n(1, 999):04d}/tez.session.local-resources.pb",
    ])
    user = g.pick(["hdfs", "hive", "yarn", "spark", "hbase", "mapred"])
    msgs = [
        f"INFO org.apache.hadoop.hdfs.server.datanode.DataNode: Receiving {bp}:{blk} src: /{dn()}:{g.port()} dest: /{dn()}:9866",
        f"INFO org.apache.hadoop.hdfs.server.datanode.DataNode: PacketResponder: {bp}:{blk}, type=HAS_DOWNSTREAM_IN_PIPELINE, downstreams=2:[{dn()}:9866, {dn()}:9866] terminating",
        f"INFO org.apache.hadoop.hdfs.server.datanode.DataNode.clienttrace: src: /{dn()}:9866, dest: /{dn()}:{g.port()}, bytes: {g.pick([134217728, g.n(1024, 134217728)])}, op: HDFS_READ, cliID: DFSClient_NONMAPREDUCE_{g.n(-2**31, 2**31 - 1)}_{g.n(1, 200)}, offset: 0, srvID: {g.uuid()}, blockid: {bp}:{blk}, duration(ns): {g.n(100_000, 9_999_999_999)}",
        f"INFO org.apache.hadoop.hdfs.server.datanode.DataNode.clienttrace: src: /{dn()}:{g.port()}, dest: /{dn()}:9866, bytes: {g.n(1024, 134217728)}, op: HDFS_WRITE, cliID: DFSClient_attempt_{g.epoch_ms() - g.n(0, 9999999)}_{g.n(1, 999):04d}_m_{g.n(0, 999):06d}_0_{g.n(-2**31, 2**31 - 1)}_1, offset: 0, srvID: {g.uuid()}, blockid: {bp}:{blk}, duration(ns): {g.n(100_000, 9_999_999_999)}",
        f"INFO org.apache.hadoop.hdfs.server.namenode.FSNamesystem.audit: allowed=true\tugi={user} (auth:{g.pick(['SIMPLE', 'KERBEROS'])})\tip=/{dn()}\tcmd={g.pick(['open', 'create', 'getfileinfo', 'listStatus', 'rename', 'delete', 'mkdirs'])}\tsrc={path}\tdst=null\tperm={g.pick(['null', f'{user}:supergroup:rw-r--r--'])}\tproto=rpc",
        f"INFO org.apache.hadoop.hdfs.StateChange: BLOCK* allocate {blk}, replicas={dn()}:9866, {dn()}:9866, {dn()}:9866 for {path}",
        f"INFO org.apache.hadoop.hdfs.StateChange: DIR* completeFile: {path} is closed by DFSClient_NONMAPREDUCE_{g.n(-2**31, 2**31 - 1)}_{g.n(1, 200)}",
        f"INFO BlockStateChange: BLOCK* addStoredBlock: {dn()}:9866 is added to {blk} (size={g.n(1024, 134217728)})",
        f"INFO BlockStateChange: BLOCK* BlockManager: ask {dn()}:9866 to delete [blk_{g.blk - g.n(1, 500)}_{g.gs - g.n(1, 500)}, blk_{g.blk - g.n(1, 500)}_{g.gs - g.n(1, 500)}]",
        f"INFO org.apache.hadoop.hdfs.server.namenode.FSEditLog: Number of transactions: {g.n(1, 900)} Total time for transactions(ms): {g.n(1, 300)} Number of transactions batched in Syncs: {g.n(0, 900)} Number of syncs: {g.n(1, 500)} SyncTimes(ms): {g.n(1, 900)}",
        f"INFO org.apache.hadoop.hdfs.server.datanode.DataNode: Successfully sent block report 0x{g.hexs(16)},  containing 1 storage report(s), of which we sent 1. The reports had {g.n(1000, 900000)} total blocks and used 1 RPC(s). This took {g.n(1, 300)} msec to generate and {g.n(1, 900)} msecs for RPC and NN processing. Got back one command: FinalizeCommand/5.",
        f"INFO org.apache.hadoop.hdfs.server.datanode.fsdataset.impl.FsDatasetAsyncDiskService: Deleted {bp} blk_{g.blk - g.n(1, 900)}_{g.gs - g.n(1, 900)} URI file:/data/{g.n(1, 12)}/dfs/dn/current/{bp}/current/finalized/subdir{g.n(0, 31)}/subdir{g.n(0, 31)}/blk_{g.blk - g.n(1, 900)}",
        f"WARN org.apache.hadoop.hdfs.server.datanode.DataNode: Slow BlockReceiver write data to disk cost:{g.n(301, 9000)}ms (threshold=300ms), volume=file:/data/{g.n(1, 12)}/dfs/dn/, blockId={g.blk}",
        f"WARN org.apache.hadoop.hdfs.server.datanode.DataNode: Slow BlockReceiver write packet to mirror took {g.n(301, 9000)}ms (threshold=300ms), downstream DNs=[{dn()}:9866], blockId={g.blk}, seqno={g.n(0, 2000)}",
        f"INFO org.apache.hadoop.ipc.Server: IPC Server handler {g.n(0, 99)} on 8020, call Call#{g.n(1, 9_999_999)} Retry#0 org.apache.hadoop.hdfs.protocol.ClientProtocol.{g.pick(['getFileInfo', 'getBlockLocations', 'addBlock', 'complete'])} from {dn()}:{g.port()}",
        f"INFO org.apache.hadoop.hdfs.server.namenode.FSNamesystem: Roll Edit Log from {dn()}",
        f"INFO org.apache.hadoop.hdfs.server.namenode.FSEditLog: Starting log segment at {g.txid}",
        f"INFO org.apache.hadoop.hdfs.server.namenode.FileJournalManager: Finalizing edits file /data/dfs/nn/current/edits_inprogress_{g.txid:019d} -> /data/dfs/nn/current/edits_{g.txid:019d}-{g.txid + g.n(1, 9000):019d}",
        f"INFO org.apache.hadoop.hdfs.server.namenode.TransferFsImage: Downloaded file fsimage.ckpt_{g.txid:019d} size {g.n(1_000_000, 900_000_000)} bytes.",
        f"INFO org.apache.hadoop.hdfs.server.namenode.FSImage: Saving image file /data/dfs/nn/current/fsimage.ckpt_{g.txid:019d} using no compression",
        f"INFO org.apache.hadoop.hdfs.server.namenode.FSImageFormatProtobuf: Image file /data/dfs/nn/current/fsimage.ckpt_{g.txid:019d} of size {g.n(1_000_000, 900_000_000)} bytes saved in {g.n(0, 90)} seconds .",
        f"INFO org.apache.hadoop.hdfs.server.namenode.NNStorageRetentionManager: Purging old image FSImageFile(file=/data/dfs/nn/current/fsimage_{g.txid - g.n(10000, 90000):019d}, cpktTxId={g.txid - g.n(10000, 90000):019d})",
        f"INFO org.apache.hadoop.hdfs.server.datanode.DataNode: Block pool {bp} (Datanode Uuid {g.uuid()}) service to nn-{g.n(1, 2)}.hadoop.internal/{dn()}:8020 trying to claim ACTIVE state with txid={g.txid}",
        f"INFO org.apache.hadoop.hdfs.server.datanode.VolumeScanner: VolumeScanner(/data/{g.n(1, 12)}/dfs/dn, DS-{g.uuid()}): finished scanning block pool {bp}",
        f"INFO org.apache.hadoop.hdfs.server.datanode.DirectoryScanner: BlockPool {bp} Total blocks: {g.n(10000, 900000)}, missing metadata files: 0, missing block files: 0, missing blocks in memory: 0, mismatched blocks: 0",
        f"INFO org.apache.hadoop.hdfs.server.blockmanagement.BlockManager: BLOCK* neededReconstruction = {g.n(0, 900)} pendingReconstruction = {g.n(0, 90)}",
        f"INFO org.apache.hadoop.hdfs.server.namenode.FSNamesystem: Number of blocks under construction: {g.n(0, 90)}",
        f"WARN org.apache.hadoop.hdfs.server.datanode.DataNode: IOException in offerService java.io.EOFException: End of File Exception between local host is: \"dn-{g.n(1, 30):02d}.hadoop.internal/{dn()}\"; destination host is: \"nn-1.hadoop.internal\":8020;",
        f"INFO org.apache.hadoop.util.JvmPauseMonitor: Detected pause in JVM or host machine (eg GC): pause of approximately {g.n(1000, 30000)}ms GC pool 'G1 Young Generation' had collection(s): count=1 time={g.n(100, 30000)}ms",
        f"INFO org.apache.hadoop.hdfs.server.namenode.top.window.RollingWindowManager: topN size for command {g.pick(['open', 'create', 'delete', '*'])} is: {g.n(0, 10)}",
    ]
    g.txid += g.n(1, 40)
    return f"{ts} {g.pick(msgs)}"


def gen_hdfs():
    g = G("hdfs", datetime(2008, 11, 9, 20, 35, 18, tzinfo=timezone.utc))
    g.blk, g.gs = 1073741825 + 40_000, 1001 + 41_000
    g.txid = 12_345_678
    g.bp = f"BP-{g.n(10**8, 2**31 - 1)}-10.10.34.1-{1_444_972_147_527}"
    first = generate(g, [(1, hdfs_old)], n=LINES_PER_FILE // 2, tick=(0, 3000))
    g.t = datetime(2023, 5, 12, 9, 14, 22, 531000, tzinfo=timezone.utc)
    second = generate(g, [(1, hdfs_new)], n=LINES_PER_FILE - len(first), tick=(0, 3000))
    return first + second


# =========================================================================
# Kubernetes
# =========================================================================

NAMESPACES = ["default", "kube-system", "monitoring", "ingress-nginx", "prod", "staging", "cert-manager", "argocd"]
APPS = ["web", "api", "worker", "checkout-svc", "inventory", "redis", "prometheus-server", "grafana", "ingress-nginx-controller", "coredns", "fluent-bit", "cert-manager-webhook"]
NODES = ["ip-10-0-3-17.ec2.internal", "ip-10-0-12-201.ec2.internal", "worker-3", "worker-7", "gke-prod-pool-1-5f7c2a9b-x2k9", "aks-nodepool1-31415926-vmss000002"]
IMAGES = [
    "registry.k8s.io/coredns/coredns:v1.10.1",
    "registry.k8s.io/kube-proxy:v1.28.4",
    "docker.io/library/nginx:1.25.3",
    "docker.io/library/redis:7.2.4-alpine",
    "quay.io/prometheus/node-exporter:v1.7.0",
    "ghcr.io/fluxcd/source-controller:v1.2.3",
    "cr.fluentbit.io/fluent/fluent-bit:2.2.2",
    "registry.example.internal/shop/checkout-svc:2.14.3-7f3a2c1",
]


def klog(g, file, msg, level=None):
    t = g.t
    lvl = level or g.r.choices("IWE", [85, 10, 5])[0]
    return f"{lvl}{t:%m%d} {t:%H:%M:%S}.{t.microsecond:06d} {g.kpid:7d} {file}:{g.n(50, 3000)}] {msg}"


def pod(g, app=None):
    app = app or g.pick(APPS)
    if g.r.random() < 0.7:
        return f"{app}-{g.k8s(g.pick([8, 9, 10]))}-{g.k8s(5)}"
    return f"{app}-{g.pick([f'{g.n(0, 5)}', g.k8s(5)])}"


def k8s_line(g):
    ns = g.pick(NAMESPACES)
    p = pod(g)
    uid = g.uuid()
    cid = g.hexs(64)
    img = g.pick(IMAGES)
    node = g.pick(NODES)
    choice = g.n(0, 27)
    q = "\\\""
    if choice == 0:
        return klog(g, "kubelet.go", f'"SyncLoop ADD" source="api" pods=["{ns}/{p}"]', "I")
    if choice == 1:
        return klog(g, "kubelet.go", f'"SyncLoop (PLEG): event for pod" pod="{ns}/{p}" event={{"ID":"{uid}","Type":"{g.pick(["ContainerStarted", "ContainerDied"])}","Data":"{cid}"}}', "I")
    if choice == 2:
        return klog(g, "kuberuntime_manager.go", f'"Creating PodSandbox for pod" pod="{ns}/{p}"', "I")
    if choice == 3:
        return klog(g, "pod_workers.go", f'"Error syncing pod, skipping" err="failed to {q}StartContainer{q} for {q}app{q} with CrashLoopBackOff: {q}back-off {g.pick(["10s", "20s", "40s", "1m20s", "2m40s", "5m0s"])} restarting failed container=app pod={p}_{ns}({uid}){q}" pod="{ns}/{p}" podUID="{uid}"', "E")
    if choice == 4:
        return klog(g, "schedule_one.go", f'"Successfully bound pod to node" pod="{ns}/{p}" node="{node}" evaluatedNodes={g.n(3, 60)} feasibleNodes={g.n(1, 30)}', "I")
    if choice == 5:
        return klog(g, "scope.go", f'"RemoveContainer" containerID="{cid}"', "I")
    if choice == 6:
        return klog(g, "image_gc_manager.go", f'"Disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold" usage={g.n(86, 99)} highThreshold=85 amountToFree={g.n(10**8, 10**10)} lowThreshold=80', "I")
    if choice == 7:
        vol = f"kube-api-access-{g.k8s(5)}"
        return klog(g, "reconciler_common.go", f'"operationExecutor.MountVolume started for volume {q}{vol}{q} (UniqueName: {q}kubernetes.io/projected/{uid}-{vol}{q}) pod {q}{p}{q} (UID: {q}{uid}{q}) " pod="{ns}/{p}"', "I")
    if choice == 8:
        return klog(g, "kubelet_node_status.go", f'"Successfully registered node" node="{node}"', "I")
    if choice == 9:
        kind = g.pick(["*v1.Secret", "*v1.ConfigMap", "*v1.Pod", "*v1.Node", "*v1.PartialObjectMetadata"])
        return klog(g, "reflector.go", f'k8s.io/client-go/informers/factory.go:150: watch of {kind} ended with: an error on the server ("unable to decode an event from the watch stream: http2: client connection lost") has prevented the request from succeeding', "W")
    if choice == 10:
        return klog(g, "event.go", f'"Event occurred" object="{ns}/{p}" fieldPath="spec.containers{{app}}" kind="Pod" apiVersion="v1" type="Normal" reason="Pulled" message="Successfully pulled image {q}{img}{q} in {g.f(0.3, 40, 3)}s ({g.f(0.3, 40, 3)}s including waiting). Image size: {g.n(5_000_000, 900_000_000)} bytes."', "I")
    if choice == 11:
        return klog(g, "event.go", f'"Event occurred" object="{ns}/{p}" fieldPath="spec.containers{{app}}" kind="Pod" apiVersion="v1" type="Normal" reason="Pulled" message="Container image {q}{img}{q} already present on machine"', "I")
    if choice == 12:
        return klog(g, "kuberuntime_image.go", f'"Pulled image" image="{img.split(":")[0]}@{g.sha256()}"', "I")
    if choice == 13:
        path = g.pick([
            f"/api/v1/namespaces/{ns}/pods?limit=500&resourceVersion=0",
            f"/apis/apps/v1/namespaces/{ns}/deployments/{p.rsplit('-', 2)[0]}",
            f"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt",
            f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}?timeout=10s",
            "/readyz",
            "/livez?verbose",
            f"/api/v1/nodes/{node}/status?timeout=10s",
        ])
        ua = g.pick([
            "kube-controller-manager/v1.28.4 (linux/amd64) kubernetes/bae2c62/system:serviceaccount:kube-system:replicaset-controller",
            "kubelet/v1.28.4 (linux/amd64) kubernetes/bae2c62",
            "kube-probe/1.28",
            "argocd-application-controller/v2.9.3 (linux/amd64)",
        ])
        return klog(g, "httplog.go", f'"HTTP" verb="{g.pick(["GET", "LIST", "WATCH", "PATCH", "PUT"])}" URI="{path}" latency="{g.f(0.2, 900, 3)}ms" userAgent="{ua}" audit-ID="{g.uuid()}" srcIP="{g.ip10("10.0.0")}:{g.port()}" resp={g.pick([200, 200, 200, 201, 404, 409, 429])}', "I")
    if choice == 14:
        comp = g.pick(["kube-controller-manager", "kube-scheduler", "cert-manager-controller", "ingress-nginx-leader"])
        return klog(g, "leaderelection.go", g.pick([f"attempting to acquire leader lease kube-system/{comp}...", f"successfully acquired lease kube-system/{comp}", f"failed to renew lease kube-system/{comp}: timed out waiting for the condition"]), "I")
    if choice == 15:
        return klog(g, "replica_set.go", f'"Too many replicas" replicaSet="{ns}/{p.rsplit("-", 1)[0]}" need={g.n(1, 10)} deleting={g.n(1, 3)}', "I")
    if choice == 16:
        return klog(g, "kuberuntime_container.go", f'"Killing container with a grace period" pod="{ns}/{p}" podUID="{uid}" containerName="app" containerID="containerd://{cid}" gracePeriod={g.pick([30, 60, 10])}', "I")
    if choice == 17:
        return klog(g, "prober.go", f'"Probe failed" probeType="{g.pick(["Readiness", "Liveness", "Startup"])}" pod="{ns}/{p}" podUID="{uid}" containerName="app" probeResult="failure" output="Get {q}http://{g.ip10("10.244." + str(g.n(0, 40)))}:{g.pick([8080, 9090, 3000])}/healthz{q}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"', "I")
    if choice == 18:
        return klog(g, "eviction_manager.go", f'"Eviction manager: attempting to reclaim" resourceName="ephemeral-storage"', "W")
    if choice == 19:
        return klog(g, "cpu_manager.go", f'"[cpumanager] RemoveStaleState: removing container" podUID="{uid}" containerName="app"', "I")
    if choice == 20:
        return klog(g, "garbagecollector.go", f'"Deleting item" item="[v1/Pod, namespace: {ns}, name: {p}, uid: {uid}]" propagationPolicy="Background"', "I")
    if choice == 21:
        return klog(g, "controller.go", f'"Finished syncing" kind="endpoint slice" key="{ns}/{p.rsplit("-", 2)[0]}" duration="{g.f(0.01, 90, 6)}ms"', "I")
    if choice == 22:
        ts = g.iso(9)
        return f'time="{ts}" level=info msg="StartContainer for \\"{cid}\\" returns successfully"'
    if choice == 23:
        ts = g.iso(9)
        return f'time="{ts}" level=info msg="RunPodSandbox for &PodSandboxMetadata{{Name:{p},Uid:{uid},Namespace:{ns},Attempt:0,}} returns sandbox id \\"{cid}\\""'
    if choice == 24:
        ts = g.iso(9)
        return f'time="{ts}" level=info msg="ImageCreate event name:\\"{img}\\" digest:\\"{g.sha256()}\\" labels:{{key:\\"io.cri-containerd.image\\" value:\\"managed\\"}}"'
    if choice == 25:
        ts = g.iso(6)
        rev = g.rev = g.rev + g.n(100, 9000)
        return g.pick([
            f'{{"level":"info","ts":"{ts}","caller":"mvcc/index.go:214","msg":"compact tree index","revision":{rev}}}',
            f'{{"level":"info","ts":"{ts}","caller":"mvcc/kvstore_compaction.go:66","msg":"finished scheduled compaction","compact-revision":{rev},"took":"{g.f(1, 90, 6)}ms","hash":{g.n(10**9, 2**32 - 1)},"current-db-size-bytes":{g.n(10**6, 10**9)},"current-db-size":"{g.f(1, 900, 1)} MB","current-db-size-in-use-bytes":{g.n(10**6, 10**9)},"current-db-size-in-use":"{g.f(1, 900, 1)} MB"}}',
            f'{{"level":"info","ts":"{ts}","caller":"mvcc/hash.go:137","msg":"storing new hash","hash":{g.n(10**9, 2**32 - 1)},"revision":{rev},"compact-revision":{rev - g.n(1000, 9000)}}}',
            f'{{"level":"warn","ts":"{ts}","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"{g.f(100, 900, 6)}ms","expected-duration":"100ms","prefix":"read-only range ","request":"key:\\"/registry/pods/{ns}/{p}\\" ","response":"range_response_count:1 size:{g.n(1000, 9000)}"}}',
            f'{{"level":"info","ts":{g.t.timestamp():.6f},"caller":"traceutil/trace.go:171","msg":"trace[{g.n(10**8, 2**31)}] range","detail":"{{range_begin:/registry/leases/kube-node-lease/{node}; range_end:; response_count:1; response_revision:{rev}; }}","duration":"{g.f(100, 900, 6)}ms","start":"{ts}","end":"{ts}","steps":["trace[{g.n(10**8, 2**31)}] \'agreement among raft nodes before linearized reading\'  (duration: {g.f(100, 900, 6)}ms)"],"step_count":1}}',
        ])
    if choice == 26:
        name = g.pick([f"{g.pick(APPS)}.{ns}.svc.cluster.local.", f"{g.pick(APPS)}.{ns}.svc.cluster.local.{ns}.svc.cluster.local.", "registry.example.internal.", "kubernetes.default.svc.cluster.local."])
        return f'[INFO] {g.ip10("10.244." + str(g.n(0, 40)))}:{g.port()} - {g.n(1, 65535)} "{g.pick(["A", "AAAA", "SRV"])} IN {name} udp {g.n(40, 120)} false 512" {g.pick(["NOERROR", "NXDOMAIN"])} qr,aa,rd {g.n(80, 300)} {g.f(0, 0.01, 9)}s'
    # kube-proxy / misc
    return klog(g, g.pick(["proxier.go", "server_others.go", "node.go"]), g.pick([
        f'"SyncProxyRules complete" elapsed="{g.f(1, 900, 6)}ms"',
        f'"Using iptables proxy"',
        f'"Successfully retrieved node IP(s)" IPs=["{g.ip10("10.0.3")}"]',
        f'"Syncing iptables rules"',
        f'"Reloading service iptables data" numServices={g.n(10, 400)} numEndpoints={g.n(10, 900)} numFilterChains={g.n(4, 9)} numFilterRules={g.n(4, 99)} numNATChains={g.n(10, 900)} numNATRules={g.n(10, 2000)}',
    ]), "I")


def gen_kubernetes():
    g = G("kubernetes", datetime(2024, 12, 3, 15, 31, 43, 123456, tzinfo=timezone.utc))
    g.kpid = 1234
    g.rev = 48_213_907

    def line(g):
        if g.r.random() < 0.1:
            g.kpid = g.pick([1, 1234, 2871, 917])
        return k8s_line(g)

    return generate(g, [(1, line)], tick=(0, 4000))


# =========================================================================
# nginx
# =========================================================================

UAS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.105 Mobile Safari/537.36",
    "kube-probe/1.28",
    "Prometheus/2.48.1",
    "curl/8.5.0",
    "Go-http-client/1.1",
    "ELB-HealthChecker/2.0",
    "python-requests/2.31.0",
    "Wget/1.21.3",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Blackbox Exporter/0.24.0",
    "docker/24.0.7 go/go1.20.10 git-commit/311b9ff kernel/6.1.0-18-amd64 os/linux arch/amd64 UpstreamClient(Docker-Client/24.0.7 \\(linux\\))",
]
SERVERS = ["api.example.internal", "shop.example.com", "static.example.net", "registry.example.internal", "localhost", "_"]


def nginx_path(g):
    return g.pick([
        "/",
        "/healthz",
        "/metrics",
        "/robots.txt",
        "/favicon.ico",
        f"/static/js/main.{g.hexs(8)}.js",
        f"/static/css/app.{g.hexs(8)}.chunk.css",
        f"/assets/index-{g.hexs(8)}.js",
        f"/_next/static/chunks/{g.n(100, 999)}-{g.hexs(16)}.js",
        f"/api/v1/items/{g.n(1, 9_999_999)}",
        f"/api/v2/orders?page={g.n(1, 40)}&per_page={g.pick([20, 50, 100])}&sort=-created_at",
        f"/api/v1/reports/{g.t:%Y-%m-%d}?tz=UTC&format=csv",
        f"/api/v1/products/{g.n(10000, 99999)}/reviews?offset={g.n(0, 500)}&limit=25",
        f"/api/v1/shipments/{g.uuid()}/events",
        f"/images/product/{g.n(100_000_000, 999_999_999)}.jpg",
        f"/images/cache/{g.hexs(2)}/{g.hexs(2)}/{g.hexs(32)}.webp",
        f"/download/release-{g.n(1, 3)}.{g.n(0, 20)}.{g.n(0, 9)}.tar.gz",
        f"/v2/shop/checkout-svc/blobs/{g.sha256()}",
        f"/v2/shop/checkout-svc/manifests/{g.pick(['latest', '2.14.3', g.sha256()])}",
        f"/wp-login.php",
        f"/.env",
        f"/cgi-bin/luci/;stok=/locale",
        f"/search?q=usb+c+cable+{g.n(1, 3)}m&category={g.n(1, 90)}",
        f"/ws/notifications?v={g.n(1, 5)}",
        f"/graphql",
        f"/cart/add?sku=SKU-{g.n(10000, 99999)}-{g.pick(['BLK', 'WHT', 'RED'])}&qty={g.n(1, 5)}",
        f"/s3/bucket-logs/{g.t:%Y/%m/%d}/{g.epoch_ms()}-{g.hexs(8)}.gz",
        f"/api/v1/events?since={g.epoch_ms() - g.n(0, 3_600_000)}&until={g.epoch_ms()}",
        f"/track/{g.hexs(24)}/pixel.gif?ts={g.epoch()}",
    ])


def nginx_line(g):
    t = g.t
    client = g.pick([g.ip_private(), g.ip_private(), g.ip_doc(), g.ip6_doc()])
    server = g.pick(SERVERS)
    path = nginx_path(g)
    method = g.r.choices(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"], [70, 12, 4, 2, 6, 3, 3])[0]
    proto = g.pick(["HTTP/1.1", "HTTP/1.1", "HTTP/2.0", "HTTP/1.0"])
    if g.r.random() < 0.55:
        # access log (combined, sometimes with timings)
        status = g.r.choices([200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 413, 429, 499, 500, 502, 503, 504], [60, 3, 3, 3, 3, 8, 2, 2, 2, 6, 1, 1, 1, 1, 2, 1, 1])[0]
        site = server if "." in server else "shop.example.com"
        ref = g.pick(["-", "-", f"https://{site}/", f"https://{site}/products/{g.n(1000, 99999)}", "https://www.google.com/"])
        stamp = f"{t:%d}/{MONTHS[t.month - 1]}/{t:%Y:%H:%M:%S} +0000"
        base = f'{client} - - [{stamp}] "{method} {path} {proto}" {status} {g.n(0, 2_000_000)} "{ref}" "{g.pick(UAS)}"'
        k = g.n(0, 3)
        if k == 1:
            base += f' rt={g.f(0, 3, 3)} uct="{g.f(0, 0.01, 3)}" uht="{g.f(0, 2, 3)}" urt="{g.f(0, 3, 3)}"'
        elif k == 2:
            base += f' "{g.ip_private()}" {g.f(0, 3, 3)} {g.f(0, 3, 3)} {g.hexs(32)}'
        elif k == 3:
            base += f" {g.n(200, 4000)} {g.f(0, 3, 3)} [{g.pick(['default-web-80', 'prod-api-8080', 'staging-web-80'])}] [] {g.ip10('10.244.' + str(g.n(0, 40)))}:{g.pick([8080, 3000, 80])} {g.n(0, 2_000_000)} {g.f(0, 3, 3)} {status} {g.hexs(32)}"
        return base
    pid = g.pick([g.wpid, g.wpid, g.wpid + 1, g.wpid + 2, 1])
    conn = g.conn = g.conn + g.n(1, 40)
    stamp = f"{t:%Y/%m/%d %H:%M:%S}"
    up = f"{g.ip10('10.0.5')}:{g.pick([8080, 9000, 3000, 8000])}"
    req = f'request: "{method} {path} {proto}"'
    tail = f', client: {client}, server: {server}, {req}, upstream: "http://{up}{path}", host: "{server}"'
    msgs = [
        ("error", f"*{conn} connect() failed (111: Connection refused) while connecting to upstream{tail}"),
        ("error", f"*{conn} upstream timed out (110: Connection timed out) while reading response header from upstream{tail}"),
        ("error", f"*{conn} recv() failed (104: Connection reset by peer) while reading response header from upstream{tail}"),
        ("error", f"*{conn} upstream prematurely closed connection while reading response header from upstream{tail}"),
        ("error", f'*{conn} open() "/usr/share/nginx/html{path.split("?")[0]}" failed (2: No such file or directory), client: {client}, server: {server}, {req}, host: "{server}"'),
        ("error", f'*{conn} directory index of "/srv/www/static/" is forbidden, client: {client}, server: {server}, request: "GET /static/ HTTP/1.1", host: "{server}"'),
        ("warn", f"*{conn} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/{g.n(0, 9)}/{g.n(10, 99)}/{g.n(1, 99999):010d} while reading upstream{tail}"),
        ("warn", f"*{conn} a client request body is buffered to a temporary file /var/cache/nginx/client_temp/{g.n(1, 99999):010d}, client: {client}, server: {server}, {req}, host: \"{server}\""),
        ("error", f'*{conn} client intended to send too large body: {g.n(1_048_577, 99_999_999)} bytes, client: {client}, server: {server}, {req}, host: "{server}"'),
        ("error", f'*{conn} limiting requests, excess: {g.f(1, 99, 3)} by zone "perip", client: {client}, server: {server}, {req}, host: "{server}"'),
        ("crit", f"*{conn} SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: {client}, server: 0.0.0.0:443"),
        ("info", f"*{conn} SSL_read() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while waiting for request, client: {client}, server: 0.0.0.0:443"),
        ("info", f"*{conn} client {client} closed keepalive connection"),
        ("info", f"*{conn} client timed out (110: Connection timed out) while waiting for request, client: {client}, server: 0.0.0.0:80"),
        ("error", f'*{conn} no live upstreams while connecting to upstream{tail}'),
        ("warn", f'*{conn} upstream server temporarily disabled while connecting to upstream{tail}'),
        ("notice", "signal process started"),
        ("notice", f"using the \"epoll\" event method"),
        ("notice", f"nginx/1.{g.pick([24, 25, 26])}.{g.n(0, 3)}"),
        ("notice", "built by gcc 12.2.0 (Debian 12.2.0-14)"),
        ("notice", f"OS: Linux 6.1.0-{g.n(10, 28)}-amd64"),
        ("notice", "getrlimit(RLIMIT_NOFILE): 1048576:1048576"),
        ("notice", "start worker processes"),
        ("notice", f"start worker process {g.n(20, 90)}"),
        ("notice", f"signal {g.pick([1, 3, 15, 17])} ({g.pick(['SIGHUP', 'SIGQUIT', 'SIGTERM', 'SIGCHLD'])}) received from {g.n(1, 9999)}, {g.pick(['reconfiguring', 'shutting down', 'exiting'])}"),
        ("notice", f"worker process {g.n(20, 90)} exited with code 0"),
        ("warn", f'conflicting server name "{server}" on 0.0.0.0:80, ignored'),
        ("warn", f'"ssl_stapling" ignored, issuer certificate not found for certificate "/etc/nginx/ssl/{server}.crt"'),
        ("emerg", f'bind() to 0.0.0.0:{g.pick([80, 443, 8080])} failed (98: Address already in use)'),
    ]
    lvl, msg = g.pick(msgs)
    return f"{stamp} [{lvl}] {pid}#{pid if pid != 1 else 1}: {msg}"


def gen_nginx():
    g = G("nginx", datetime(2024, 3, 12, 8, 14, 22, tzinfo=timezone.utc))
    g.wpid, g.conn = 31, 1000
    return generate(g, [(1, nginx_line)], tick=(0, 9000))


# =========================================================================
# Windows
# =========================================================================


def kb(g):
    return f"KB{g.n(2_800_000, 5_040_000)}"


def cbs(g, source, msg, level="Info"):
    t = g.t
    return f"{t:%Y-%m-%d %H:%M:%S}, {level:<21} {source:<6} {msg}"


def cbs_line(g):
    sess = f"{g.n(30_500_000, 31_200_000)}_{g.n(10**9, 2**32 - 1)}"
    k = kb(g)
    pkg = f"Package_for_{k}~31bf3856ad364e35~amd64~~6.1.{g.n(1, 4)}.{g.n(0, 9)}"
    pkg2 = g.pick([
        pkg,
        f"Package_{g.n(1, 999)}_for_{k}~31bf3856ad364e35~amd64~~6.1.{g.n(1, 4)}.{g.n(0, 9)}",
        f"Microsoft-Windows-Foundation-Package~31bf3856ad364e35~amd64~~6.1.7601.{g.pick([17514, 23505])}",
        f"Package_for_RollupFix~31bf3856ad364e35~amd64~~{g.n(17763, 22631)}.{g.n(100, 4000)}.1.{g.n(1, 20)}",
    ])
    hr = g.pick([
        "0x00000000 - S_OK",
        "0x800f0805 - CBS_E_INVALID_PACKAGE",
        "0x800f080d - CBS_E_MANIFEST_INVALID_ITEM",
        "0x800f081f - CBS_E_SOURCE_MISSING",
        "0x800f0922 - CBS_E_INSTALLERS_FAILED",
        "0x80070002 - ERROR_FILE_NOT_FOUND",
        "0x80004005 - E_FAIL",
        "0x800f0831 - CBS_E_STORE_CORRUPTION",
        "0x80070490 - ERROR_NOT_FOUND",
        "0x800706be - RPC_S_CALL_FAILED",
    ])
    g.csi += g.n(1, 4)
    csi = f"{g.csi:08x}"
    wsx = f"amd64_microsoft-windows-{g.pick(['servicingstack', 'kernel32', 'ntdll', 'shell32', 'wmi-core'])}_31bf3856ad364e35_6.1.7601.{g.pick([23505, 24000, 17514])}_none_{g.hexs(16)}"
    t = g.t
    choice = g.n(0, 40)
    if choice <= 3:
        return cbs(g, "CBS", f"Session: {sess} initialized by client {g.pick(['WindowsUpdateAgent', 'DISM Package Manager Provider', 'Windows Module Installer', 'UpdateAgentLCU'])}.")
    if choice == 4:
        return cbs(g, "CBS", f"Session: {sess} finalized. Reboot required: {g.pick(['no', 'yes'])} [HRESULT = {hr}]")
    if choice == 5:
        return cbs(g, "CBS", f"Exec: Processing started.  Client: WindowsUpdateAgent, Session(Secondary): {sess}, Package: {pkg}")
    if choice == 6:
        return cbs(g, "CBS", f"Read out cached package applicability for package: {pkg}, ApplicableState: {g.pick([0, 80, 112])}, CurrentState:{g.pick([0, 80, 112])}")
    if choice == 7:
        return cbs(g, "CBS", f"Failed to internally open package. [HRESULT = {hr}]")
    if choice == 8:
        return cbs(g, "CBS", f"Appl: detect Parent, Package: {pkg}, Parent: Microsoft-Windows-Foundation-Package~31bf3856ad364e35~amd64~~6.1.7601.17514, Disposition = Detect, VersionComp: EQ, ServiceComp: GE, BuildComp: EQ, DistributionComp: GE, RevisionComp: GE, Exist: present")
    if choice == 9:
        return cbs(g, "CBS", f"Plan: Package: {pkg2}, Applicability: {g.pick([6, 8, 9])}, CurrentState: {g.pick([0, 80, 112])}, TargetState: {g.pick([0, 112])}")
    if choice == 10:
        return cbs(g, "CSI", f"{csi}@{t.year}/{t.month}/{t.day}:{t:%H:%M:%S}.{t.microsecond // 1000:03d} WcpInitialize (wcp.dll version 0.0.0.6) called (stack @0x7fed{g.hexs(7)} @0x7fef{g.hexs(7)} @0x7fef{g.hexs(7)} @0xff{g.hexs(6)} @0xff{g.hexs(6)} @0xff{g.hexs(6)})")
    if choice == 11:
        return cbs(g, "CBS", f"Loaded Servicing Stack v6.1.7601.{g.pick([23505, 24000])} with Core: C:\\Windows\\winsxs\\{wsx}\\cbscore.dll")
    if choice == 12:
        return cbs(g, "CBS", g.pick([
            "Starting TrustedInstaller initialization.",
            "Ending TrustedInstaller initialization.",
            "Starting the TrustedInstaller main loop.",
            "TrustedInstaller service starts successfully.",
            "No startup processing required, TrustedInstaller service was not set as autostart, or else a reboot is still pending.",
            "NonStart: Checking to ensure startup processing was not required.",
            "NonStart: Success, startup processing not required as expected.",
            "Startup processing thread terminated normally",
            "Warning: Unrecognized packageExtended attribute.",
            "Scavenge: Begin CSI Store",
            "Perf: InstallUninstallChain complete.",
            "FLOW: Entering stage: InstallUninstallChain",
            "Repr: CBS Store check completes",
            "Ending the TrustedInstaller main loop.",
            "Trusted Installer is shutting down because: SHUTDOWN_REASON_AUTOSTOP",
        ]))
    if choice == 13:
        return cbs(g, "CBS", g.pick([
            "SQM: Initializing online with Windows opt-in: False",
            "SQM: Cleaning up report files older than 10 days.",
            "SQM: Requesting upload of all unsent reports.",
            f"SQM: Failed to start upload with file pattern: C:\\Windows\\servicing\\sqm\\*_std.sqm, flags: 0x2 [HRESULT = 0x80004005 - E_FAIL]",
            f"SQM: Queued {g.n(0, 3)} file(s) for upload with pattern: C:\\Windows\\servicing\\sqm\\*_all.sqm, flags: 0x6",
        ]))
    if choice == 14:
        return cbs(g, "CBS", f"Expecting attribute name [HRESULT = {hr}]")
    if choice == 15:
        return cbs(g, "CBS", f"Progress: UI message updated. Operation type: {g.pick(['Foundation', 'Update'])}. Stage: {g.n(1, 2)} out of {g.n(1, 2)}. Percent progress: {g.n(0, 100)}.")
    if choice == 16:
        return cbs(g, "CSI", f"{csi} Begin executing advanced installer phase {g.n(1, 50)} (0x{g.n(1, 50):08x}) index {g.n(0, 200)} (sequence {g.n(0, 300)})")
    if choice == 17:
        n = g.n(50, 9000)
        return cbs(g, "CSI", f"{csi} [SR] Verifying {n} (0x{n:016x}) components")
    if choice == 18:
        return cbs(g, "CSI", f"{csi} [SR] Beginning Verify and Repair transaction")
    if choice == 19:
        name = g.pick(["CNBJ2530.DPB", "prnms001.inf", "msxml6.dll", "tzres.dll"])
        return cbs(g, "CSI", f"{csi} [SR] Cannot repair member file [l:{len(name) * 2}{{{len(name)}}}]\"{name}\" of {g.pick(['prncacla.inf', 'Microsoft-Windows-MSXML60', 'Microsoft-Windows-International-TimeZones'])}, Version = 6.1.7600.16385, pA = PROCESSOR_ARCHITECTURE_AMD64 (9), Culture neutral, VersionScope = 1 nonSxS, PublicKeyToken = {{l:8 b:31bf3856ad364e35}}, Type neutral, TypeName neutral, PublicKey neutral in the store, hash mismatch")
    if choice == 20:
        return cbs(g, "CBS", f"Doqe: Recording result: 0x{g.pick([0, 0, 0x800f0922, 0x80070005]):08x}, for Inf: {g.pick(['prnms001.inf', 'netrndis.inf', 'usbport.inf', 'machine.inf'])}")
    if choice == 21:
        f = g.pick(["ntdll.dll", "kernelbase.dll", "msctf.dll"])
        return cbs(g, "CSI", f"{csi} Hashes for file member \\SystemRoot\\WinSxS\\{wsx}\\{f} do not match actual file [l:{len(f) * 2}{{{len(f)}}}]\"{f}\" :  Found: {{l:32 b:{g.hexs(64)[:43]}=}} Expected: {{l:32 b:{g.hexs(64)[:43]}=}}")
    if choice == 22:
        return cbs(g, "CBS", f"Failed to get next element [HRESULT = {hr}]", level="Error" if g.r.random() < 0.3 else "Info")
    if choice == 23:
        return cbs(g, "CBS", f"Exec: Download qualified package: {pkg}, Status: {g.pick(['Not Downloaded', 'Downloaded', 'Installed'])}, Download Source: {g.pick(['Windows Update', 'DISM', 'Local'])}", level="Info")
    if choice == 24:
        return cbs(g, "CBS", f"DWLD:Number of resolved packages {g.n(1, 400)}, download source:{g.pick(['UUP', 'WSUS', 'Local'])} [HRESULT = {hr}]")
    if choice == 25:
        return cbs(g, "CBS", f"Mark store corruption flag because of package: {pkg}. [HRESULT = 0x800f0831 - CBS_E_STORE_CORRUPTION]", level="Error")
    if choice == 26:
        return cbs(g, "CSI", f"{csi} CSI Store {g.n(10**12, 10**13)} (0x{g.hexs(16)}) initialized")
    if choice == 27:
        return cbs(g, "CBS", f"TI: --- Initializing Trusted Installer ---")
    if choice == 28:
        return cbs(g, "CBS", f"Reboot mark set", level=g.pick(["Info", "Warning"]))
    # event log style
    return event_line(g)


def event_line(g):
    t = g.t
    ts = g.pick([f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond:06d}0Z", f"{t:%m/%d/%Y %I:%M:%S %p}", f"{t:%Y-%m-%d %H:%M:%S}"])
    host = g.pick(["WIN-SRV01", "DC01", "FS-02", "BUILD-W11", "SQL-PROD-3"])
    k = kb(g)
    svc = g.pick(["Windows Update", "Background Intelligent Transfer Service", "Windows Modules Installer", "Print Spooler", "WinHTTP Web Proxy Auto-Discovery Service", "Windows Defender Antivirus Network Inspection Service", "Microsoft Store Install Service", "Delivery Optimization"])
    fmt = lambda level, src, eid, msg: f"{ts} {host} {level} {src} {eid}: {msg}"  # noqa: E731
    hr = g.pick(["0x800f081f", "0x80073712", "0x8024200B", "0x80070643", "0x800f0922", "0x80240022", "0x8024402c"])
    ver = f"10.0.{g.pick([17763, 19041, 19045, 20348, 22621, 22631])}.{g.n(100, 4000)}"
    choice = g.n(0, 24)
    if choice == 0:
        return fmt("Information", "Service Control Manager", 7036, f"The {svc} service entered the {g.pick(['running', 'stopped'])} state.")
    if choice == 1:
        return fmt("Information", "Service Control Manager", 7040, f"The start type of the {svc} service was changed from {g.pick(['demand start', 'auto start'])} to {g.pick(['auto start', 'disabled', 'demand start'])}.")
    if choice == 2:
        return fmt("Information", "Microsoft-Windows-WindowsUpdateClient", 19, f"Installation Successful: Windows successfully installed the following update: {t.year}-{t.month:02d} Cumulative Update for Windows {g.pick(['10 Version 22H2', '11 Version 23H2', 'Server 2019'])} for x64-based Systems ({k})")
    if choice == 3:
        return fmt("Error", "Microsoft-Windows-WindowsUpdateClient", 20, f"Installation Failure: Windows failed to install the following update with error {hr}: Security Intelligence Update for Microsoft Defender Antivirus - {k} (Version 1.{g.n(380, 410)}.{g.n(100, 999)}.0) - Current Channel (Broad).")
    if choice == 4:
        return fmt("Information", "Microsoft-Windows-WindowsUpdateClient", 43, f"Installation Started: Windows has started installing the following update: {t.year}-{t.month:02d} .NET 6.0.{g.n(20, 30)} Security Update for x64 Client ({k})")
    if choice == 5:
        return fmt("Information", "Microsoft-Windows-Security-Auditing", 4624, f"An account was successfully logged on. Subject: Security ID: S-1-5-18 Account Name: {host}$ Account Domain: CORP Logon ID: 0x3E7 Logon Information: Logon Type: 5 Restricted Admin Mode: - Virtual Account: No Elevated Token: Yes Impersonation Level: Impersonation New Logon: Security ID: S-1-5-18 Account Name: SYSTEM Account Domain: NT AUTHORITY Logon ID: 0x3E7 Linked Logon ID: 0x0 Network Account Name: - Network Account Domain: - Logon GUID: {{00000000-0000-0000-0000-000000000000}} Process Information: Process ID: 0x{g.n(0x200, 0x3000):x} Process Name: C:\\Windows\\System32\\services.exe")
    if choice == 6:
        return fmt("Information", "Microsoft-Windows-Security-Auditing", 4672, f"Special privileges assigned to new logon. Subject: Security ID: S-1-5-{g.pick([18, 19, 20])} Account Name: {g.pick(['SYSTEM', 'LOCAL SERVICE', 'NETWORK SERVICE'])} Account Domain: NT AUTHORITY Logon ID: 0x{g.pick(['3E7', '3E5', '3E4'])} Privileges: SeAssignPrimaryTokenPrivilege SeTcbPrivilege SeSecurityPrivilege SeTakeOwnershipPrivilege SeLoadDriverPrivilege SeBackupPrivilege SeRestorePrivilege SeDebugPrivilege SeAuditPrivilege SeSystemEnvironmentPrivilege SeImpersonatePrivilege SeDelegateSessionUserImpersonatePrivilege")
    if choice == 7:
        return fmt("Information", "Microsoft-Windows-Kernel-General", 1, f"The system time has changed to {g.iso(6)}00 from {g.iso(6)}00. Change Reason: System time synchronized with the hardware clock.")
    if choice == 8:
        return fmt("Critical", "Microsoft-Windows-Kernel-Power", 41, f"The system has rebooted without cleanly shutting down first. This error could be caused if the system stopped responding, crashed, or lost power unexpectedly. BugcheckCode {g.pick([0, 0, 159, 209, 278])} BugcheckParameter1 0x{g.hexs(16)} SleepInProgress 0 PowerButtonTimestamp 0")
    if choice == 9:
        return fmt("Information", "EventLog", g.pick([6005, 6006, 6013]), g.pick(["The Event log service was started.", "The Event log service was stopped.", f"The system uptime is {g.n(100, 9_999_999)} seconds."]))
    if choice == 10:
        return fmt("Error", "Microsoft-Windows-DistributedCOM", 10016, f"The application-specific permission settings do not grant Local Activation permission for the COM Server application with CLSID {{2593F8B9-4EAF-457C-B68A-50F6B8EA6B54}} and APPID {{15C20B67-12E7-4BB6-92BB-7AFF07997402}} to the user NT AUTHORITY\\{g.pick(['LOCAL SERVICE', 'SYSTEM', 'NETWORK SERVICE'])} SID (S-1-5-{g.pick([18, 19, 20])}) from address LocalHost (Using LRPC) running in the application container Unavailable SID (Unavailable). This security permission can be modified using the Component Services administrative tool.")
    if choice == 11:
        app = g.pick(["svchost.exe_wuauserv", "explorer.exe", "MsMpEng.exe", "sqlservr.exe", "w3wp.exe"])
        return fmt("Error", "Application Error", 1000, f"Faulting application name: {app}, version: {ver}, time stamp: 0x{g.hexs(8)} Faulting module name: {g.pick(['ntdll.dll', 'KERNELBASE.dll', 'ucrtbase.dll', 'clr.dll'])}, version: {ver}, time stamp: 0x{g.hexs(8)} Exception code: 0x{g.pick(['c0000005', 'c0000409', 'e0434352', 'c0000374'])} Fault offset: 0x{g.hexs(16)} Faulting process id: 0x{g.n(0x100, 0xFFFF):x} Faulting application start time: 0x01da{g.hexs(12)} Faulting application path: C:\\Windows\\system32\\{app.split('_')[0]} Faulting module path: C:\\Windows\\SYSTEM32\\ntdll.dll Report Id: {g.uuid()} Faulting package full name:  Faulting package-relative application ID: ")
    if choice == 12:
        return fmt("Information", "Microsoft-Windows-Time-Service", 37, f"The time provider NtpClient is currently receiving valid time data from {g.pick(['time.windows.com', 'dc01.corp.example.internal'])},0x{g.pick([8, 9, 1])} (ntp.m|0x{g.pick([8, 0])}|0.0.0.0:123->{g.pick([g.ip_doc(), g.ip10()])}:123).")
    if choice == 13:
        return fmt("Information", "Microsoft-Windows-Servicing", 4, f"A reboot is necessary before package {k} can be changed to the Installed state.")
    if choice == 14:
        return fmt("Information", "MsiInstaller", 11707, f"Product: Microsoft Visual C++ 2022 X64 Minimum Runtime - 14.{g.n(30, 40)}.{g.n(30000, 33999)} -- Installation completed successfully.")
    if choice == 15:
        return fmt("Information", "MsiInstaller", 1033, f"Windows Installer installed the product. Product Name: Microsoft Visual C++ 2022 X64 Additional Runtime - 14.{g.n(30, 40)}.{g.n(30000, 33999)}. Product Version: 14.{g.n(30, 40)}.{g.n(30000, 33999)}. Product Language: 1033. Manufacturer: Microsoft Corporation. Installation success or error status: 0.")
    if choice == 16:
        return fmt("Information", "Microsoft-Windows-Security-SPP", 16384, f"Successfully scheduled Software Protection service for re-start at {t.year + 100}-{t.month:02d}-{t.day:02d}T{t:%H:%M:%S}Z. Reason: RulesEngine.")
    if choice == 17:
        return fmt("Warning", "Microsoft-Windows-DNS-Client", 1014, f"Name resolution for the name {g.pick(['wpad', 'settings-win.data.microsoft.com', 'fs-02.corp.example.internal'])} timed out after none of the configured DNS servers responded. Client PID {g.n(100, 30000)}.")
    if choice == 18:
        return fmt("Information", "Microsoft-Windows-Winlogon", 7001, f"User Logon Notification for Customer Experience Improvement Program")
    if choice == 19:
        return fmt("Warning", "Microsoft-Windows-Kernel-PnP", 219, f"The driver \\Driver\\WudfRd failed to load for the device ROOT\\WPD\\{g.n(0, 9):04d}.")
    if choice == 20:
        return fmt("Information", "Service Control Manager", 7045, f"A service was installed in the system. Service Name:  {g.pick(['MozillaMaintenance', 'edgeupdate', 'GoogleUpdaterService128.0.6537.0'])} Service File Name:  \"C:\\Program Files (x86)\\{g.pick(['Microsoft', 'Mozilla Maintenance Service'])}\\{g.pick(['EdgeUpdate', 'maintenanceservice'])}.exe\" /svc Service Type:  user mode service Service Start Type:  auto start Service Account:  LocalSystem")
    if choice == 21:
        cmdline = g.pick(['C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', 'C:\\Windows\\system32\\wermgr.exe -upload', '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', 'C:\\Windows\\system32\\taskhostw.exe'])
        return fmt("Information", "Microsoft-Windows-Security-Auditing", 4688, f"A new process has been created. Creator Subject: Security ID: S-1-5-18 Account Name: {host}$ Account Domain: CORP Logon ID: 0x3E7 Target Subject: Security ID: S-1-0-0 Account Name: - Account Domain: - Logon ID: 0x0 Process Information: New Process ID: 0x{g.n(0x100, 0xFFFF):x} New Process Name: C:\\Windows\\System32\\{g.pick(['svchost.exe', 'conhost.exe', 'wermgr.exe', 'taskhostw.exe'])} Token Elevation Type: %%1936 Mandatory Label: S-1-16-16384 Creator Process ID: 0x{g.n(0x100, 0xFFFF):x} Creator Process Name: C:\\Windows\\System32\\services.exe Process Command Line: {cmdline}")
    if choice == 22:
        return fmt("Information", "Microsoft-Windows-Eventlog", 104, f"The {g.pick(['System', 'Application', 'Setup'])} log file was cleared.")
    if choice == 23:
        return fmt("Warning", "Microsoft-Windows-Ntfs", 98, f"Volume C: (\\Device\\HarddiskVolume{g.n(1, 6)}) needs to be taken offline to perform a Full Chkdsk. Please run \"CHKDSK /F\" locally via the command line, or run \"REPAIR-VOLUME <drive:>\" locally or remotely via PowerShell.")
    return fmt("Information", "Microsoft-Windows-Security-Auditing", 4798, f"A user's local group membership was enumerated. Subject: Security ID: S-1-5-80-{g.n(10**9, 2**32 - 1)}-{g.n(10**9, 2**32 - 1)}-{g.n(10**9, 2**32 - 1)}-{g.n(10**9, 2**32 - 1)}-{g.n(10**9, 2**32 - 1)} Account Name: {g.pick(['WinDefend', 'Schedule', 'DiagTrack'])} Account Domain: NT SERVICE Logon ID: 0x3E7 User: Security ID: S-1-5-21-{g.n(10**9, 2**32 - 1)}-{g.n(10**9, 2**32 - 1)}-{g.n(10**9, 2**32 - 1)}-500 Account Name: Administrator Account Domain: {host} Process Information: Process ID: 0x{g.n(0x100, 0xFFFF):x} Process Name: C:\\Windows\\System32\\svchost.exe")


def gen_windows():
    g = G("windows", datetime(2016, 9, 28, 4, 30, 30, tzinfo=timezone.utc))
    g.csi = 1
    return generate(g, [(1, cbs_line)], tick=(0, 30_000))


# =========================================================================
# Android
# =========================================================================

PKGS = [
    "com.android.systemui", "com.android.settings", "com.android.launcher3", "com.google.android.gms",
    "com.google.android.gms.persistent", "com.android.vending", "com.android.chrome", "com.example.shop",
    "com.example.notes", "com.android.phone", "com.google.android.apps.maps", "com.android.bluetooth",
    "com.google.android.youtube", "org.mozilla.firefox", "com.spotify.music",
]
TAGS_PRIO = "VDIWE"


def android_line(g):
    t = g.t
    pid = g.pick([g.sys_pid, g.sys_pid, g.n(500, 32000)])
    tid = g.pick([pid, g.n(pid, pid + 3000)])
    pkg = g.pick(PKGS)
    app_uid = g.n(10_000, 10_400)
    u = f"u0a{app_uid - 10000}"
    tok = g.hexs(7)
    choice = g.n(0, 38)
    msgs = {
        0: ("D", "WindowManager", f"printFreezingDisplayLogsopening app wtoken = AppWindowToken{{{tok} token=Token{{{g.hexs(7)} ActivityRecord{{{g.hexs(7)} u0 {pkg}/.MainActivity t{g.n(100, 999)}}}}}}}, allDrawn= {g.pick(['false', 'true'])}, startingDisplayed =  false, startingMoved =  false, isRelaunching =  false"),
        1: ("I", "ActivityManager", f"Start proc {g.n(1000, 32000)}:{pkg}/{u} for {g.pick(['service', 'broadcast', 'activity', 'content provider'])} {{{pkg}/{pkg}.sync.SyncService}}"),
        2: ("I", "ActivityTaskManager", f"Displayed {pkg}/.MainActivity: +{g.n(100, 3000)}ms"),
        3: ("I", "ActivityManager", f"Process {pkg} (pid {g.n(1000, 32000)}) has died: {g.pick(['fg  SVC', 'cch+15 CEM', 'prcp FGS', 'svcb SVC'])}"),
        4: ("I", "ActivityManager", f"Killing {g.n(1000, 32000)}:{pkg}/{u} (adj {g.pick([900, 906, 915, 999])}): empty #{g.n(17, 40)}"),
        5: ("I", "PowerManagerService", f"Waking up from {g.pick(['sleep', 'Asleep', 'Dozing'])} (uid={g.pick([1000, 1000, 10093])} reason=android.policy:POWER)..."),
        6: ("D", "DisplayPowerController", "Blocking screen on until initial contents have been drawn."),
        7: ("V", "WindowManager", f"Relayout Window{{{tok} u0 {pkg}/{pkg}.MainActivity}}: viewVisibility={g.pick([0, 4, 8])} req={g.pick(['1080x2340', '1440x3120', '720x1600'])} d0"),
        8: ("I", "InputDispatcher", f"Focus entering Window{{{tok} u0 {pkg}/{pkg}.MainActivity}}, reason=setFocusedWindow"),
        9: ("D", "ConnectivityService", f"NetworkAgentInfo [WIFI () - {g.n(100, 999)}] validation passed"),
        10: ("I", "wpa_supplicant", f"wlan0: CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:00:00 completed [id={g.n(0, 9)} id_str=]"),
        11: ("I", "chatty", f"uid=1000(system) Binder:{g.sys_pid}_{g.n(1, 9):X} expire {g.n(1, 40)} lines"),
        12: ("I", "BatteryService", f"level:{g.n(1, 100)}, scale:100, status:{g.n(1, 5)}, health:2, present:true, voltage: {g.n(3500, 4400)}, temperature: {g.n(200, 450)}, technology: Li-ion, AC powered:false, USB powered:{g.pick(['true', 'false'])}, Wireless powered:false, icon:17303674, invalid charger:0, maxChargingCurrent:{g.n(0, 3000000)}, maxChargingVoltage:{g.n(0, 9000000)}, chargeCounter:{g.n(100000, 4500000)}"),
        13: ("I", pkg, f"Background concurrent copying GC freed {g.n(1000, 900000)}({g.n(1, 90)}MB) AllocSpace objects, {g.n(0, 90)}({g.n(0, 9000)}KB) LOS objects, {g.n(20, 80)}% free, {g.n(5, 90)}MB/{g.n(10, 180)}MB, paused {g.n(10, 999)}us,{g.n(10, 999)}us total {g.f(1, 900, 3)}ms"),
        14: ("F", "DEBUG", f"pid: {g.n(1000, 32000)}, tid: {g.n(1000, 32000)}, name: {g.pick(['RenderThread', 'main', 'OkHttp Dispatch', 'Binder:1234_2'])}  >>> {pkg} <<<"),
        15: ("F", "DEBUG", f"signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x{g.hexs(16)}"),
        16: ("F", "DEBUG", f"      #{g.n(0, 30):02d} pc {g.hexs(16)}  /system/lib64/{g.pick(['libc.so', 'libhwui.so', 'libart.so', 'libbinder.so'])} ({g.pick(['abort', 'android::uirenderer::renderthread::RenderThread::threadLoop()', 'art_quick_invoke_stub'])}+{g.n(4, 900)}) (BuildId: {g.hexs(32)})"),
        17: ("I", "PackageManager", f"Package {pkg} codePath changed from /data/app/~~{g.k8s(22)}==/{pkg}-{g.k8s(22)}==/ to /data/app/~~{g.k8s(22)}==/{pkg}-{g.k8s(22)}==/; Retaining data and using new"),
        18: ("D", "SurfaceFlinger", f"Finished setting power mode {g.n(0, 2)} on display {g.pick([0, 4619827259835644672])}"),
        19: ("W", "auditd", f"type=1400 audit({g.epoch()}.{g.n(0, 999):03d}:{g.n(100, 99999)}): avc: denied {{ read }} for comm=\"{g.pick(['main', 'Binder:1702_3', 'RenderThread'])}\" name=\"{g.pick(['u:object_r:vendor_default_prop:s0', 'stat', 'mmcblk0'])}\" dev=\"{g.pick(['tmpfs', 'proc', 'dm-5'])}\" ino={g.n(100, 99999)} scontext=u:r:untrusted_app:s0:c{g.n(0, 255)},c{g.n(256, 511)},c512,c768 tcontext=u:object_r:{g.pick(['vendor_default_prop', 'proc_stat', 'block_device'])}:s0 tclass=file permissive=0 app={pkg}"),
        20: ("I", "Zygote", f"Process {g.n(1000, 32000)} exited due to signal {g.pick([9, 6, 11])} ({g.pick(['Killed', 'Aborted', 'Segmentation fault'])})"),
        21: ("I", "libprocessgroup", f"Successfully killed process cgroup uid {app_uid} pid {g.n(1000, 32000)} in {g.n(0, 90)}ms"),
        22: ("I", "lowmemorykiller", f"Kill '{pkg}' ({g.n(1000, 32000)}), uid {app_uid}, oom_score_adj {g.pick([900, 906, 925, 999])} to free {g.n(10000, 400000)}kB rss, {g.n(1000, 90000)}kB swap; reason: {g.pick(['low watermark is breached', 'device is low on swap', 'min watermark is breached'])}"),
        23: ("W", "BroadcastQueue", f"Background execution not allowed: receiving Intent {{ act=android.intent.action.PACKAGE_ADDED dat=package:{pkg} flg=0x4000010 (has extras) }} to {g.pick(PKGS)}/.PackageReceiver"),
        24: ("I", "ActivityTaskManager", f"START u0 {{act=android.intent.action.MAIN cat=[android.intent.category.HOME] flg=0x10000000 cmp=com.android.launcher3/.uioverrides.QuickstepLauncher}} from uid {g.pick([1000, 10093])}"),
        25: ("I", "Choreographer", f"Skipped {g.n(30, 300)} frames!  The application may be doing too much work on its main thread."),
        26: ("I", "OpenGLRenderer", "Davey! duration={d}ms; Flags=0, FrameTimelineVsyncId={v}, IntendedVsync={iv}, Vsync={iv2}, InputEventId=0, HandleInputStart={h}, AnimationStart={h}, PerformTraversalsStart={h}, DrawStart={h}, FrameDeadline={fd}, FrameInterval={fi}, FrameStartTime={iv}, SyncQueued={h}, SyncStart={h}, IssueDrawCommandsStart={h}, SwapBuffers={h}, FrameCompleted={h}, DequeueBufferDuration={db}, QueueBufferDuration={qb}, GpuCompleted={h}, SwapBuffersCompleted={h}, DisplayPresentTime=0, CommandSubmissionCompleted={h}, ".format(d=g.n(700, 3000), v=g.n(10**6, 10**8), iv=g.n(10**13, 10**15), iv2=g.n(10**13, 10**15), h=g.n(10**13, 10**15), fd=g.n(10**13, 10**15), fi=g.pick([16666666, 8333333, 11111111]), db=g.n(10000, 900000), qb=g.n(10000, 900000))),
        27: ("W", "ActivityManager", f"Slow operation: {g.n(50, 900)}ms so far, now at startProcess: done updating pids map"),
        28: ("I", "JobScheduler.Connectivity", f"Network {g.n(100, 999)}: validated=true, metered={g.pick(['true', 'false'])}, satisfied by job #{app_uid}/{g.n(1, 99999999)} {pkg}/.sync.SyncJobService"),
        29: ("D", "AlarmManager", f"Alarm #{g.n(1, 999)}: type={g.n(0, 3)} origWhen={g.epoch_ms() + g.n(1000, 900000)} whenElapsed={g.n(10**6, 10**10)} {pkg}"),
        30: ("I", "NotificationService", f"Cannot find enqueued record for key: 0|{pkg}|{g.n(1, 99999)}|null|{app_uid}"),
        31: ("D", "KeyguardUpdateMonitor", f"handleBatteryUpdate"),
        32: ("E", "StrictMode", f"A resource was acquired at attached stack trace but never released. See java.io.Closeable for information on avoiding resource leaks."),
        33: ("I", "adbd", f"adbd started"),
        34: ("I", "netd", f"trafficSwapActiveStatsMap() <{g.n(0, 9)}.{g.n(0, 99)}ms>"),
        35: ("D", "DhcpClient", f"Received packet: {g.pick(['02:00:00:00:00:00'])} ACK: your new IP /{g.ip_private()}, netmask /255.255.255.0, gateways [/{g.ip_private()}] DNS servers: /{g.ip_private()} /{g.ip_private()} , lease time {g.pick([3600, 86400, 43200])}"),
        36: ("I", "system_server", f"oneway function results will be dropped but finished with status OK and parcel size {g.n(4, 9000)}"),
        37: ("I", "ActivityManager", f"Config changes=20000480 {{1.0 ?mcc?mnc [en_US] ldltr sw411dp w411dp h843dp 420dpi nrml long port night finger -keyb/v/h -nav/h winConfig={{ mBounds=Rect(0, 0 - 1080, 2340) mAppBounds=Rect(0, 0 - 1080, 2214) mMaxBounds=Rect(0, 0 - 1080, 2340) mDisplayRotation=ROTATION_0 mWindowingMode=fullscreen mDisplayWindowingMode=fullscreen mActivityType=undefined mAlwaysOnTop=undefined mRotation=ROTATION_0}} s.{g.n(10, 999)} fontWeightAdjustment=0}}"),
        38: ("I", "DropBoxManagerService", f"add tag=system_server_wtf isTagEnabled=true flags=0x2"),
    }
    prio, tag, msg = msgs[choice]
    if tag == "DEBUG":
        pid = tid = g.n(1000, 32000)
    return f"{t:%m-%d %H:%M:%S}.{t.microsecond // 1000:03d} {pid:5d} {tid:5d} {prio} {tag:<8}: {msg}"


def gen_android():
    g = G("android", datetime(2024, 3, 17, 16, 13, 38, 811000, tzinfo=timezone.utc))
    g.sys_pid = 1702
    return generate(g, [(1, android_line)], tick=(0, 2000))


# =========================================================================
# ZooKeeper
# =========================================================================


def zk_line(g):
    t = g.t
    ts = f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d}"
    myid = g.pick([1, 2, 3])
    cli = f"/{g.ip10('10.10.34')}:{g.port()}"
    if g.r.random() < 0.35 or not g.sessions:
        g.sess_ctr += 1
        # Long.toHexString drops leading zeros: a server id 0 gives short ids (0x14ede63a5a7).
        short = g.r.random() < 0.15
        g.sessions.append((g.sess_base >> 16) + g.n(0, 15) if short else g.sess_base + g.sess_ctr)
        g.sessions = g.sessions[-20:]
    s = f"0x{g.pick(g.sessions):x}"
    g.zxid += g.n(1, 30)
    z = f"0x{g.epoch_z:x}{g.zxid:08x}"
    nio = "NIOServerCxn.Factory:0.0.0.0/0.0.0.0:2181"
    qp = f"QuorumPeer[myid={myid}]/0:0:0:0:0:0:0:0:2181"
    sid = g.pick([1, 2, 3])
    peer = g.pick([188978561024, 193273528320, 197568495616, 2, 3])
    ex = [
        ("INFO", f"{nio}:NIOServerCnxnFactory@197", f"Accepted socket connection from {cli}"),
        ("INFO", f"{nio}:ZooKeeperServer@839", f"Client attempting to establish new session at {cli}"),
        ("INFO", f"CommitProcessor:{myid}:ZooKeeperServer@595", f"Established session {s} with negotiated timeout {g.pick([10000, 30000, 40000, 6000])} for client {cli}"),
        ("INFO", f"ProcessThread(sid:{myid} cport:-1)::PrepRequestProcessor@476", f"Processed session termination for sessionid: {s}"),
        ("INFO", f"{nio}:NIOServerCnxn@1001", f"Closed socket connection for client {cli} which had sessionid {s}"),
        ("INFO", f"{nio}:NIOServerCnxn@1001", f"Closed socket connection for client {cli} (no session established for client)"),
        ("WARN", f"{nio}:NIOServerCnxn@357", f"caught end of stream exception"),
        ("WARN", f"{nio}:NIOServerCnxn@349", f"EndOfStreamException: Unable to read additional data from client sessionid {s}, likely client has closed socket"),
        ("INFO", f"SessionTracker:ZooKeeperServer@325", f"Expiring session {s}, timeout of {g.pick([10000, 30000, 40000])}ms exceeded"),
        ("INFO", f"{nio}:ZooKeeperServer@832", f"Client attempting to renew session {s} at {cli}"),
        ("INFO", f"{nio}:ZooKeeperServer@595", f"Invalid session {s} for client {cli}, probably expired"),
        ("INFO", f"{qp}:Learner@325", f"Getting a diff from the leader {z}"),
        ("INFO", f"{qp}:Leader@358", f"LEADING - LEADER ELECTION TOOK - {g.n(20, 900)}"),
        ("INFO", f"{qp}:Follower@63", f"FOLLOWING - LEADER ELECTION TOOK - {g.n(20, 900)}"),
        ("INFO", f"{qp}:FileTxnSnapLog@240", f"Snapshotting: {z} to /var/lib/zookeeper/version-2/snapshot.{z[2:]}"),
        ("INFO", f"SyncThread:{myid}:FileTxnLog@199", f"Creating new log file: log.{z[2:]}"),
        ("WARN", f"RecvWorker:{peer}:QuorumCnxManager$RecvWorker@762", f"Connection broken for id {peer}, my id = {myid}, error = "),
        ("WARN", f"SendWorker:{peer}:QuorumCnxManager$SendWorker@679", "Interrupted while waiting for message on queue"),
        ("WARN", f"SendWorker:{peer}:QuorumCnxManager$SendWorker@688", f"Send worker leaving thread"),
        ("INFO", f"WorkerReceiver[myid={myid}]:FastLeaderElection@542", f"Notification: {sid} (n.leader), {z} (n.zxid), 0x{g.n(1, 9):x} (n.round), {g.pick(['LOOKING', 'FOLLOWING', 'LEADING'])} (n.state), {sid} (n.sid), 0x{g.epoch_z:x} (n.peerEPoch), LOOKING (my state)"),
        ("INFO", f"/{g.ip10('10.10.34')}:3888:QuorumCnxManager$Listener@493", f"Received connection request {cli}"),
        ("WARN", f"WorkerSender[myid={myid}]:QuorumCnxManager@368", f"Cannot open channel to {sid} at election address /{g.ip10('10.10.34')}:3888"),
        ("INFO", f"{qp}:FastLeaderElection@774", f"Notification time out: {g.pick([400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000])}"),
        ("INFO", f"ProcessThread(sid:{myid} cport:-1)::PrepRequestProcessor@627", f"Got user-level KeeperException when processing sessionid:{s} type:{g.pick(['create', 'delete', 'setData'])} cxid:0x{g.n(1, 9999):x} zxid:{z} txntype:-1 reqpath:n/a Error Path:{g.pick(['/brokers/ids', '/hbase/rs', '/controller', '/config/topics'])} Error:KeeperErrorCode = {g.pick(['NodeExists', 'NoNode', 'NotEmpty'])} for {g.pick(['/brokers/ids', '/hbase/rs', '/controller'])}"),
        ("INFO", f"main:QuorumPeerConfig@101", "Reading configuration from: /etc/zookeeper/conf/zoo.cfg"),
        ("INFO", f"main:Environment@100", g.pick([
            f"Server environment:java.version=1.8.0_{g.n(300, 402)}",
            "Server environment:user.name=zookeeper",
            "Server environment:user.home=/var/lib/zookeeper",
            "Server environment:java.io.tmpdir=/tmp",
            f"Server environment:os.version=5.15.0-{g.n(50, 110)}-generic",
            f"Server environment:host.name=zk-{myid}.internal",
            f"Server environment:zookeeper.version=3.4.{g.n(6, 14)}-{g.hexs(40)}, built on 03/06/2019 16:18 GMT",
        ])),
        ("INFO", "PurgeTask:DatadirCleanupManager$PurgeTask@138", g.pick(["Purge task started.", "Purge task completed."])),
        ("INFO", f"{qp}:QuorumPeer@{g.n(700, 900)}", g.pick(["LOOKING", "FOLLOWING", "LEADING"])),
        ("INFO", f"{qp}:ZooKeeperServer@162", f"Created server with tickTime 2000 minSessionTimeout 4000 maxSessionTimeout 40000 datadir /var/lib/zookeeper/version-2 snapdir /var/lib/zookeeper/version-2"),
        ("INFO", f"LearnerHandler-/{g.ip10('10.10.34')}:{g.port()}:LearnerHandler@{g.n(300, 400)}", f"Synchronizing with Follower sid: {sid} maxCommittedLog={z} minCommittedLog=0x{g.epoch_z:x}{max(g.zxid - 500, 0):08x} peerLastZxid={z}"),
        ("INFO", f"{qp}:Learner@{g.n(300, 400)}", f"Revalidating client: {s}"),
        ("WARN", f"SyncThread:{myid}:FileTxnLog@{g.n(330, 340)}", f"fsync-ing the write ahead log in SyncThread:{myid} took {g.n(1000, 30000)}ms which will adversely effect operation latency. See the ZooKeeper troubleshooting guide"),
    ]
    lvl, thread, msg = g.pick(ex)
    if g.new_style:
        thread = thread.replace(nio, f"NIOWorkerThread-{g.n(1, 8)}")
        return f"{ts} [myid:{myid}] - {lvl:<5} [{thread}] - {msg}"
    return f"{ts} - {lvl:<5} [{thread}] - {msg}"


def gen_zookeeper():
    g = G("zookeeper", datetime(2015, 7, 29, 17, 41, 44, 747000, tzinfo=timezone.utc))
    g.sess_base = 0x14EDE63A5A70000
    g.sess_ctr = 0
    g.sessions = []
    g.zxid = 0x197
    g.epoch_z = 7
    g.new_style = False
    first = generate(g, [(1, zk_line)], n=LINES_PER_FILE // 2, tick=(0, 15000))
    g.t = datetime(2023, 5, 12, 9, 14, 22, 531000, tzinfo=timezone.utc)
    g.sess_base = 0x1000012AB340000
    g.sess_ctr = 0
    g.sessions = []
    g.epoch_z = 0x1A
    g.zxid = 0x2F
    g.new_style = True
    second = generate(g, [(1, zk_line)], n=LINES_PER_FILE - len(first), tick=(0, 15000))
    return first + second


# =========================================================================
# macOS
# =========================================================================


def mac_line(g):
    t = g.t
    host = g.pick(["build-mac-07", "mbp-lab-3", "imac-studio-2", "mini-ci-11"])
    pid = g.pid()
    app = g.pick(["Safari", "Finder", "Xcode", "Terminal", "mdworker_shared", "QuickLookSatellite", "com.apple.WebKit.WebContent", "Slack Helper", "zoom.us"])
    g.wake += g.r.uniform(0.01, 30)
    opts = [
        ("kernel", 0, f"AppleCamIn::systemWakeCall - messageType = 0x{g.pick(['E0000340', 'E0000320', 'E0000280'])}"),
        ("kernel", 0, f"ARPT: {g.wake:.6f}: wl0: wl_update_tcpkeep_seq: Original Seq: {g.n(10**9, 2**32 - 1)}, Ack: {g.n(10**9, 2**32 - 1)}, Win size: {g.pick([4096, 8192, 65535])}"),
        ("kernel", 0, f"ARPT: {g.wake:.6f}: AQM agg params 0xfc0 maxlen hi/lo 0x0 0xffff minlen 0x0 adjlen 0x0"),
        ("kernel", 0, f"Sandbox: {app[:15]}({pid}) deny(1) {g.pick(['network-outbound /private/var/run/mDNSResponder', 'mach-lookup com.apple.windowserver.active', 'file-read-data /Library/Preferences/com.apple.security.plist', 'iokit-open IOSurfaceRootUserClient'])}"),
        ("sandboxd", 129, f"([{pid}]) {app[:15]}({pid}) deny file-read-data /private/var/folders/{g.k8s(2)}/{g.k8s(24)}/T/{g.uuid().upper()}"),
        ("mDNSResponder", 98, f"mDNS_DeregisterInterface: Frequent transitions for interface en0 ({g.ip_private()})"),
        ("mDNSResponder", 98, f"mDNS_RegisterInterface: Frequent transitions for interface en0 (2001:0DB8:0000:0000:{g.HEXS(4)}:{g.HEXS(4)}:{g.HEXS(4)}:{g.HEXS(4)})"),
        ("mDNSResponder", 98, f"[R{g.n(1000, 99999)}] DNSServiceQueryRecord({g.pick(['15', '4015'])}, 0, {g.pick(['gateway.fe.apple-dns.net', 'configuration.apple.com', 'registry.example.internal'])}, Addr) START PID[{pid}]({app[:15]})"),
        ("com.apple.xpc.launchd", 1, f"(com.apple.quicklook[{pid}]) Endpoint has been activated through legacy launch(3) APIs. Please switch to XPC or bootstrap_check_in(): com.apple.quicklook"),
        ("com.apple.xpc.launchd", 1, f"(com.apple.mdworker.shared.{g.HEXS(8)}-0000-0000-0000-000000000000[{pid}]) Service exited due to SIGKILL | sent by mds[{g.n(80, 400)}]"),
        ("com.apple.xpc.launchd", 1, f"(com.apple.imfoundation.IMRemoteURLConnectionAgent) The _DirtyJetsamMemoryLimit key is not available on this platform."),
        ("com.apple.xpc.launchd", 1, f"(application.com.apple.Safari.{g.n(10**6, 10**8)}.{g.n(10**6, 10**8)}[{pid}]) Service exited with abnormal code: {g.pick([1, 2, 255])}"),
        ("symptomsd", 215, "__73-[NetworkAnalyticsEngine observeValueForKeyPath:ofObject:change:context:]_block_invoke unexpected switch value 2"),
        ("kernel", 0, g.pick(["hibernate_page_list_setall(preflight 1) start", "hibernate_machine_init reading", "hibernate_setup(0) took 0 ms", f"AirPort: Link Down on awdl0. Reason 1 (Unspecified).", "AirPort: Link Up on en0", "Wake reason: RTC (Alarm)", f"Previous sleep cause: {g.n(1, 9)}", "vm_compressor_flush - starting"])),
        ("kernel", 0, f"PM response took {g.n(100, 9000)} ms ({g.n(20, 400)}, powerd)"),
        ("kernel", 0, f"en0: channel changed to {g.pick([1, 6, 11, 36, 44, 149, 157])},{g.pick(['+1', '-1', '80'])}"),
        ("kernel", 0, "IO80211AWDLPeerManager::setAwdlOperatingMode Setting the AWDL operation mode from AUTO to SUSPENDED"),
        ("kernel", 0, f"AppleThunderboltNHIType2::prePCIWake - power up complete - took {g.n(1, 900)} us"),
        ("kernel", 0, f"Thunderbolt {g.n(0, 1)} PCI - LS=0x{g.HEXS(4)} LC=0x{g.HEXS(4)} SS=0x{g.HEXS(4)} SC=0x0000 PS=0x0000 PC=0x0000"),
        ("kernel", 0, f"IOThunderboltSwitch<0x{g.hexs(16)}>(0x0)::listenerCallback - Thunderbolt HPD packet for route = 0x0 port = {g.n(1, 12)} unplug = {g.n(0, 1)}"),
        ("kernel", 0, f"process {app[:15]}[{pid}] caught causing excessive wakeups. Observed wakeups rate (per sec): {g.n(151, 900)}; Maximum permitted wakeups rate (per sec): 150; Observation period: 300 seconds; Task lifetime number of wakeups: {g.n(45001, 900000)}"),
        ("kernel", 0, f"memorystatus_thread: idle exiting pid {pid} [{g.pick(['com.apple.photoanalysisd', 'mediaanalysisd', 'suggestd', 'spotlightknowledged'])}]"),
        ("kernel", 0, f"low swap: suspending pid {pid} ({app[:15]})"),
        ("kernel", 0, "** GPU Hardware VM is disabled (multispace: disabled, page table updates with DMA: disabled)"),
        ("configd", 53, f"network changed: v4(en0-:{g.ip_private()}) v6(en0:{g.ip6_doc()}) DNS! Proxy SMB"),
        ("configd", 53, f"setting hostname to \"{host}.local\""),
        ("UserEventAgent", 43, f"Captive: CNPluginHandler en0: {g.pick(['Inactive', 'Authenticated', 'Evaluating'])}"),
        ("WindowServer", g.n(100, 400), f"CGXDisplayDidWakeNotification [{int(g.wake * 10**6)}]: posting kCGSDisplayDidWake"),
        ("WindowServer", g.n(100, 400), f"handle_will_sleep_auth_and_shield_windows: Reordering authw 0x7f{g.hexs(10)}(2004) (lock state: 3)"),
        ("powerd", 54, f"Process {g.pick(['softwareupdated', 'backupd', 'mds_stores'])}.{pid} Created PreventUserIdleSystemSleep \"com.apple.{g.pick(['softwareupdate.InstallAssertion', 'backupd.session', 'metadata.mds_stores.power'])}\" age:00:00:{g.n(0, 59):02d}  id:{g.n(51539600000, 51539699999)} [System: PrevIdle DeclUser kDisp]"),
        ("powerd", 54, f"Summary- [System: PrevIdle DeclIdle kDisp] Using Batt(Charge: {g.n(5, 100)})"),
        ("syslogd", 44, "ASL Sender Statistics"),
        ("softwareupdated", g.n(400, 900), f"Scan (f={g.n(0, 1)}, d={g.n(0, 1)}) completed"),
        ("softwareupdated", g.n(400, 900), f"Adding client SUUpdateServiceClient pid={pid}, uid=0, installAuth=NO rights=(), transactions=0 (/usr/sbin/softwareupdate)"),
        ("trustd", g.n(100, 400), "could not enable test hierarchy: no UAT pinning preferences set"),
        ("ReportCrash", pid, f"Saved crash report for {app}[{g.pid()}] version {g.n(1, 20)}.{g.n(0, 9)} ({g.n(1000, 9999)}.{g.n(1, 9)}.{g.n(1, 9)}) to /Library/Logs/DiagnosticReports/{app}_{t:%Y-%m-%d-%H%M%S}_{host}.crash"),
        ("locationd", 82, "Location icon should now be in state 'Inactive'"),
        ("bluetoothd", 96, f"Missing rssi {g.n(0, 9)}"),
        ("apsd", 89, f"Peer [pid={pid}] requested push for topic com.apple.{g.pick(['icloud-container.com.apple.willowd', 'private.alloy.fmf', 'mobileme.fmip'])}"),
        ("AirPlayXPCHelper", g.n(100, 400), f"{t:%Y-%m-%d %H:%M:%S.%f} AirPlay SDK {g.n(300, 800)}.{g.n(0, 99)}: Logging to {g.pick(['syslog', 'file'])}"),
        ("corespeechd", g.n(100, 400), f"-[CSAudioPowerMeter] averagePower = -{g.f(20, 160, 6)}"),
        ("kernel", 0, f"IOPMrootDomain::powerChangeDone: System Sleep -> Dark Wake ({g.n(0, 9)}), {g.n(10, 900)} ms"),
        ("timed", g.n(100, 400), f"settimeofday({g.epoch()}.{g.n(0, 999999):06d}) offset: {g.f(-2, 2, 6)} s"),
        ("diagnosticd", g.n(100, 400), f"error evaluating process info - pid: {pid}, punique: {g.n(10**6, 10**8)}"),
    ]
    proc, ppid, msg = g.pick(opts)
    if g.r.random() < 0.3:
        ts = f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond:06d}+0000"
        kind = g.pick(["Default", "Info", "Error", "Fault", "Debug"])
        return f"{ts} 0x{g.hexs(g.n(5, 7))}   {kind:<11} 0x{g.hexs(g.n(1, 6))}{' ' * 18}{ppid:<6} 0    {proc}: {msg}"
    return f"{MONTHS[t.month - 1]} {t.day:>2} {t:%H:%M:%S} {host} {proc}[{ppid}]: {msg}"


def gen_macos():
    g = G("macos", datetime(2024, 7, 1, 9, 0, 55, tzinfo=timezone.utc))
    g.wake = 620651.021206
    return generate(g, [(1, mac_line)], tick=(0, 8000))


# =========================================================================

ALLOWED_NETS = [
    ipaddress.ip_network(n)
    for n in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "0.0.0.0/32", "255.255.255.0/24", "127.0.0.0/8"]
]
QUAD = re.compile(r"(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])")


def check(name, lines):
    """No public IPv4 address, no '@'-shaped email, no empty line."""
    for line in lines:
        for m in QUAD.finditer(line):
            parts = [int(p) for p in m.groups()]
            if max(parts) > 255:
                continue
            if re.search(r"([A-Za-z]/|~~)$", line[: m.start()]):
                continue  # a version (Chrome/122.0.0.0, ~~6.1.1.1), not an address
            ip = ipaddress.ip_address(m.group(0))
            # Versions shaped like addresses (wcp.dll 0.0.0.6, 1.2.3.4) are fine when in 0/8.
            if not any(ip in net for net in ALLOWED_NETS) and parts[0] != 0:
                raise SystemExit(f"{name}: public IPv4 {m.group(0)} in: {line}")
        if re.search(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}\b", line):
            # Allowed: systemd units (user@1000.service) and the kernel's build string.
            if not re.search(r"user@\d+\.service|user-runtime-dir@|buildd@|debian-kernel@", line):
                raise SystemExit(f"{name}: email-shaped text in: {line}")


def main():
    gens = [
        ("syslog.log", gen_syslog),
        ("hdfs.log", gen_hdfs),
        ("kubernetes.log", gen_kubernetes),
        ("nginx.log", gen_nginx),
        ("windows.log", gen_windows),
        ("android.log", gen_android),
        ("zookeeper.log", gen_zookeeper),
        ("macos.log", gen_macos),
    ]
    total = 0
    for name, fn in gens:
        lines = fn()
        check(name, lines)
        write(name, lines)
        total += len(lines)
        print(f"{name:<16} {len(lines):>6} lines")
    print(f"{'total':<16} {total:>6} lines")


if __name__ == "__main__":
    main()
