//! Figures for the generator's benchmarks (`cargo xtask whole-api`, the `bench` binary): the peak
//! memory of the running process, read in one place.

/// Peak resident memory of this process so far (Linux `VmHWM`), in KiB; `None` where unreadable.
pub fn peak_rss_kib() -> Option<u64> {
    read_peak("/proc/self/status")
}

/// The same for another (running) process.
pub fn peak_rss_kib_of(pid: u32) -> Option<u64> {
    read_peak(&format!("/proc/{pid}/status"))
}

fn read_peak(status_file: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_file).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()
}

/// KiB as people read it: `412 MiB`, `6.9 GiB`.
pub fn mib(kib: u64) -> String {
    let mib = kib as f64 / 1024.0;
    if mib >= 1024.0 { format!("{:.1} GiB", mib / 1024.0) } else { format!("{mib:.0} MiB") }
}
