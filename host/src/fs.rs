//! Files the host writes itself: atomically (temp file and rename), with the mode asked
//! for, and only at plain paths inside the directory they belong to. Writes into a
//! directory a provider or its programs can touch (the deploy directory) go through a
//! directory handle (`cap-std`): no path, symlink or `..` can lead them outside it.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt, Permissions};

use crate::error::{CloudError, CloudResult};

/// Writes `bytes` at `relative` (plain names only) beneath `root`, atomically and with
/// `mode`, through a handle on `root`: a symlink anywhere on the way that points outside
/// is refused, and one at the target itself is replaced, never followed.
pub fn write_beneath(root: &Path, relative: &str, bytes: &[u8], mode: u32) -> CloudResult<()> {
    let fail = |e: std::io::Error| {
        CloudError::new(
            "io_error",
            format!("cannot write {relative} in {}: {e}", root.display()),
        )
    };
    let path = plain_relative_path(relative).ok_or_else(|| {
        CloudError::new(
            "io_error",
            format!("{relative:?} is not a plain path inside {}", root.display()),
        )
    })?;
    std::fs::create_dir_all(root).map_err(fail)?;
    let root_dir = Dir::open_ambient_dir(root, ambient_authority()).map_err(fail)?;
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => {
            root_dir.create_dir_all(parent).map_err(fail)?;
            root_dir.open_dir(parent).map_err(fail)?
        }
        None => root_dir,
    };
    let name = path.file_name().unwrap_or(path.as_os_str());
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temp = format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // create_new never follows a symlink: a planted one makes it fail.
    let mut options = OpenOptions::new();
    options.write(true).create_new(true).mode(mode);
    let written = dir.open_with(&temp, &options).and_then(|mut file| {
        file.set_permissions(Permissions::from_std(std::fs::Permissions::from_mode(mode)))?;
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| dir.rename(&temp, &dir, name)) {
        let _ = dir.remove_file(&temp);
        return Err(fail(e));
    }
    Ok(())
}

/// Writes a file atomically (temp file in the same directory, then rename), creating
/// parent directories, with the given permission bits.
pub fn atomic_write(path: &Path, bytes: &[u8], mode: u32) -> CloudResult<()> {
    let fail = |e: std::io::Error| {
        CloudError::new("io_error", format!("cannot write {}: {e}", path.display()))
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(fail)?;
    temp.write_all(bytes).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

pub use megaplan_cloud_policy::plain_relative_path;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_pass() {
        for good in ["a", "a/b.env", "nested/dir/.env"] {
            assert!(plain_relative_path(good).is_some(), "{good}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "./a"] {
            assert!(plain_relative_path(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn writes_beneath_a_directory_never_leave_it() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        write_beneath(root.path(), "a/b.env", b"one", 0o600).unwrap();
        let written = root.path().join("a/b.env");
        assert_eq!(std::fs::read(&written).unwrap(), b"one");
        assert_eq!(
            std::fs::metadata(&written).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // A planted directory symlink pointing outside is refused.
        std::os::unix::fs::symlink(outside.path(), root.path().join("esc")).unwrap();
        assert!(write_beneath(root.path(), "esc/authorized_keys", b"key", 0o600).is_err());
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
        // A symlink at the target is replaced by the file, its target untouched.
        let target = outside.path().join("grants.json");
        std::fs::write(&target, "original").unwrap();
        std::os::unix::fs::symlink(&target, root.path().join(".env")).unwrap();
        write_beneath(root.path(), ".env", b"A=1\n", 0o600).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "original");
        assert!(
            !std::fs::symlink_metadata(root.path().join(".env"))
                .unwrap()
                .is_symlink()
        );
        assert!(write_beneath(root.path(), "../x", b"", 0o600).is_err());
    }

    #[test]
    fn writes_atomically_with_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("f");
        atomic_write(&path, b"one", 0o600).unwrap();
        atomic_write(&path, b"two", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
