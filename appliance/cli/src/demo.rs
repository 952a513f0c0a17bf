pub fn run_demo(_config: &std::path::Path, _data: &std::path::Path, _interval: f64, _seconds: Option<u64>) -> anyhow::Result<()> { anyhow::bail!("demo not wired yet") }
