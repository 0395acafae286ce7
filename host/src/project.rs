//! Project root and cloud.yaml location, as the reference resolves them (docs/compatibility.md).

use std::path::{Path, PathBuf};

/// The git root if it has a `.megaplan/` directory; else the nearest ancestor with
/// `.megaplan/`; else `cwd`.
pub fn project_root(cwd: &Path) -> PathBuf {
    let git_root = cwd.ancestors().find(|dir| dir.join(".git").exists());
    if let Some(root) = git_root
        && root.join(".megaplan").is_dir()
    {
        return root.to_path_buf();
    }
    cwd.ancestors()
        .find(|dir| dir.join(".megaplan").is_dir())
        .unwrap_or(cwd)
        .to_path_buf()
}

/// `--cloud-yaml` with `~` expanded and made absolute against `cwd`, or
/// `<root>/cloud.yaml`.
pub fn cloud_yaml_path(flag: Option<&str>, cwd: &Path, home: Option<&Path>) -> PathBuf {
    match flag {
        Some(flag) => resolve_local_path(flag, cwd, home),
        None => project_root(cwd).join("cloud.yaml"),
    }
}

/// A path the operator typed, as Python's `Path(p).expanduser().resolve()` gives it:
/// `~` expanded, made absolute against `cwd`, symlinks resolved where it exists.
pub fn resolve_local_path(raw: &str, cwd: &Path, home: Option<&Path>) -> PathBuf {
    let expanded = match (raw.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(raw),
    };
    let absolute = cwd.join(expanded);
    std::fs::canonicalize(&absolute).unwrap_or_else(|_| normalize(&absolute))
}

/// Removes `.` and resolves `..` lexically (for paths that do not exist yet).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_root_with_megaplan_wins() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join(".megaplan")).unwrap();
        std::fs::create_dir_all(root.join("a/b/.megaplan")).unwrap();
        assert_eq!(project_root(&root.join("a/b")), root);
    }

    #[test]
    fn nearest_megaplan_then_cwd() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("a/.megaplan")).unwrap();
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        assert_eq!(project_root(&root.join("a/b/c")), root.join("a"));
        std::fs::create_dir_all(root.join("z")).unwrap();
        assert_eq!(project_root(&root.join("z")), root.join("z"));
    }

    #[test]
    fn cloud_yaml_flag_is_expanded_and_absolute() {
        let cwd = Path::new("/nonexistent/work");
        let home = Path::new("/nonexistent/home");
        assert_eq!(
            cloud_yaml_path(Some("~/c.yaml"), cwd, Some(home)),
            home.join("c.yaml")
        );
        assert_eq!(
            cloud_yaml_path(Some("../x/c.yaml"), cwd, Some(home)),
            PathBuf::from("/nonexistent/x/c.yaml")
        );
        assert_eq!(
            cloud_yaml_path(Some("/abs.yaml"), cwd, Some(home)),
            PathBuf::from("/abs.yaml")
        );
    }
}
