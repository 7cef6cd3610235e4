//! Throw-away PostgreSQL clusters for tests: `initdb` in a temporary folder, a free
//! port on 127.0.0.1, `pg_ctl` to start and stop it — the server binaries of Debian's
//! `postgresql` package (`.ci/run` installs it), no container and no service.
//!
//! PostgreSQL refuses to run as root, so under root (CI) every server command runs as
//! the package's `postgres` user (`runuser`), which owns the cluster's folder. The
//! cluster trusts local connections of its one user, `relais`; it runs with `fsync`
//! off, since a test's data need not survive a power cut. Dropping a [`Cluster`] stops
//! it and removes its folder.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// A PostgreSQL server of its own, for one test or one test binary.
pub struct Cluster {
    folder: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    databases: AtomicU32,
}

impl Cluster {
    /// Makes a cluster in a new temporary folder and starts it on a free port.
    ///
    /// # Panics
    /// When PostgreSQL's server binaries are missing (the message says how to install
    /// them) or the cluster cannot be made or started (with its log).
    pub fn start() -> Cluster {
        let bin = server_binaries();
        let folder = tempfile::Builder::new().prefix("relais-pg-").tempdir().expect("a temporary folder");
        if is_root() {
            run(Command::new("chown").arg("postgres:").arg(folder.path()));
        }
        let cluster = Cluster {
            bin,
            port: free_port(),
            databases: AtomicU32::new(0),
            folder,
        };
        run(cluster
            .server_command("initdb")
            .args(["-D"])
            .arg(cluster.data())
            .args(["-U", "relais", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]));
        cluster.resume();
        cluster
    }

    /// One cluster for the whole test process, started on first use. A watcher stops it
    /// and removes its folder once the process has ended, however it ended.
    pub fn shared() -> &'static Cluster {
        static SHARED: std::sync::OnceLock<Cluster> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| {
            let cluster = Cluster::start();
            let stop = cluster.server_command("pg_ctl");
            let script = format!(
                "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} -D '{data}' -m immediate stop; rm -rf '{folder}'",
                pid = std::process::id(),
                stop = std::iter::once(stop.get_program())
                    .chain(stop.get_args())
                    .map(|part| format!("'{}'", part.to_string_lossy()))
                    .collect::<Vec<_>>()
                    .join(" "),
                data = cluster.data().display(),
                folder = cluster.folder.path().display(),
            );
            #[expect(clippy::zombie_processes, reason = "the watcher outlives this process, to stop the cluster after it")]
            let _watcher = Command::new("sh")
                .args(["-c", &script])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("sh runs");
            cluster
        })
    }

    /// The URL of `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://relais@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a new, empty database and gives its URL.
    pub fn create_database(&self) -> String {
        let name = format!("test{}", self.databases.fetch_add(1, Ordering::Relaxed));
        self.sql(&self.url("postgres"), &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs `sql` on the database at `url` with `psql`, panicking if it fails.
    pub fn sql(&self, url: &str, sql: &str) {
        run(Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]));
    }

    /// Stops the server (`pg_ctl stop -m fast`: sessions are ended, nothing is lost);
    /// [`Cluster::resume`] starts it again on the same port.
    pub fn stop(&self) {
        run(self.server_command("pg_ctl").arg("-D").arg(self.data()).args(["-w", "-m", "fast", "stop"]));
    }

    /// Starts the server (again).
    pub fn resume(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c full_page_writes=off \
             -c max_connections=200",
            self.port,
            self.folder.path().display()
        );
        let log = self.folder.path().join("log");
        let started = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(&log)
            .args(["-w", "-o", &options, "start"])
            .output()
            .expect("pg_ctl runs");
        assert!(
            started.status.success(),
            "PostgreSQL did not start: {}\n{}",
            String::from_utf8_lossy(&started.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn data(&self) -> PathBuf {
        self.folder.path().join("data")
    }

    /// A PostgreSQL server program, run as `postgres` when this process is root.
    fn server_command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-w", "-m", "immediate", "stop"])
            .output();
    }
}

/// The folder of PostgreSQL's server programs: `RELAIS_PG_BIN`, else the newest
/// `/usr/lib/postgresql/{version}/bin` (Debian's layout).
fn server_binaries() -> PathBuf {
    if let Some(bin) = std::env::var_os("RELAIS_PG_BIN") {
        return PathBuf::from(bin);
    }
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .max();
    match newest {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed: \
             apt-get install -y postgresql, or set RELAIS_PG_BIN to their folder"
        ),
    }
}

fn is_root() -> bool {
    // The effective user id, without a libc binding: /proc says it.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|id| id == "0"))
        })
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

/// Runs `command`, panicking with its output if it fails.
fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    output
}
