//! Files the host writes itself: atomically (temp file and rename), with the mode asked
//! for, and only at plain paths inside the directory they belong to.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path};

use crate::error::{CloudError, CloudResult};

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

/// `path` as a relative path of plain names only (no `..`, `.`, root or prefix), so
/// that joining it to a directory stays inside that directory lexically.
pub fn plain_relative_path(path: &str) -> Option<&Path> {
    let relative = Path::new(path);
    let plain = !path.is_empty()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    plain.then_some(relative)
}

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
