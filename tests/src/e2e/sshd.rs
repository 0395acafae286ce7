//! A throwaway OpenSSH server on 127.0.0.1 for the ssh provider's tests.

use super::*;

/// An OpenSSH server for one test, stopped when dropped.
pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub child: Child,
}

impl Sshd {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keygen = |name: &str| {
            let status = process::command("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(dir.path().join(name))
                .status()
                .unwrap();
            assert!(status.success());
        };
        keygen("host_key");
        keygen("client_key");
        std::fs::copy(
            dir.path().join("client_key.pub"),
            dir.path().join("authorized_keys"),
        )
        .unwrap();
        // sshd insists on its privilege-separation directory.
        std::fs::create_dir_all("/run/sshd").unwrap();
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\n\
             PidFile {d}/sshd.pid\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n\
             Subsystem sftp internal-sftp\n",
            d = dir.path().display()
        );
        std::fs::write(dir.path().join("sshd_config"), config).unwrap();
        let child = process::command("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(dir.path().join("sshd_config"))
            .stderr(std::fs::File::create(dir.path().join("sshd.log")).unwrap())
            .spawn()
            .expect("sshd starts (apt-get install openssh-server)");
        let listening = poll(Duration::from_secs(20), || {
            TcpStream::connect(("127.0.0.1", port)).ok()
        });
        assert!(listening.is_some(), "sshd did not listen on {port}");
        Sshd { dir, port, child }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
