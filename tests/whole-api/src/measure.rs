//! Figures for the generator's own benchmark (`cargo xtask whole-api`): the peak memory of the
//! running process.

/// Peak resident memory of this process so far (Linux `VmHWM`), in KiB; `None` where unreadable.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()
}

/// KiB as people read it: `412 MiB`, `6.9 GiB`.
pub fn mib(kib: u64) -> String {
    let mib = kib as f64 / 1024.0;
    if mib >= 1024.0 { format!("{:.1} GiB", mib / 1024.0) } else { format!("{mib:.0} MiB") }
}
