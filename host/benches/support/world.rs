//! A throwaway operator's machine for the process benches: a project directory with a
//! cloud.yaml, a megaplan-cloud home, and a stub `docker` first on PATH.

// Each bench binary includes this file and uses only part of it.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct World {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub bin: PathBuf,
    pub path: String,
    pub secrets: Vec<(String, String)>,
}

impl World {
    /// `stub_docker` is the script installed as `docker`; `cloud_yaml` the project's
    /// cloud.yaml (its `compose_project` names the deploy directory).
    pub fn new(stub_docker: &str, cloud_yaml: &str, secrets: Vec<(String, String)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let world = World {
            home: dir.path().join("home"),
            path: format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()),
            bin,
            dir,
            secrets,
        };
        world.install("docker", stub_docker);
        std::fs::write(world.dir.path().join("cloud.yaml"), cloud_yaml).unwrap();
        world
    }

    pub fn install(&self, program: &str, script: &str) -> PathBuf {
        let path = self.bin.join(program);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// The deploy directory `build`/`deploy` would have written; exec and logs run
    /// compose in it.
    pub fn deploy_dir(&self, compose_project: &str) -> PathBuf {
        let dir = self.home.join(compose_project);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The release binary with `args`, in the project, with the secrets' values in its
    /// environment; stderr is dropped (the benches check stdout).
    pub fn cli(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_megaplan-cloud"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("HOME", self.dir.path())
            .env("MEGAPLAN_CLOUD_HOME", &self.home)
            .env("PATH", &self.path)
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        for (name, value) in &self.secrets {
            cmd.env(name, value);
        }
        cmd
    }

    /// The journal lines written so far, then an empty journal.
    pub fn take_journal(&self) -> Vec<serde_json::Value> {
        let dir = self.home.join("journal");
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            lines.extend(text.lines().map(|l| serde_json::from_str(l).unwrap()));
            std::fs::remove_file(entry.path()).unwrap();
        }
        lines
    }
}

/// The subprocesses one journal describes, as commands that start them the same way
/// (program from `path`, arguments, working directory), in order. Calls answered
/// without starting anything (a remembered probe) are left out.
pub fn spawned_calls(journal: &[serde_json::Value], path: &str) -> Vec<Command> {
    journal
        .iter()
        .filter(|line| line["cached"] != serde_json::Value::Bool(true))
        .map(|line| {
            let program = resolve(line["program"].as_str().unwrap(), path);
            let mut cmd = Command::new(program);
            for arg in line["argv"].as_array().unwrap() {
                cmd.arg(arg.as_str().unwrap());
            }
            if let Some(cwd) = line["cwd"].as_str() {
                cmd.current_dir(cwd);
            }
            cmd.stdin(Stdio::null()).stderr(Stdio::null());
            cmd
        })
        .collect()
}

fn resolve(program: &str, path: &str) -> PathBuf {
    path.split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{program} is not on {path}"))
}
