//! POSIX paths as Python's `PurePosixPath` handles them (remote paths in the runner).

/// The parent of a POSIX path, as Python's `PurePosixPath(p).parent` gives it:
/// `/a/b` → `/a`, `/a` → `/`, `a` → `.`, `a/b` → `a`.
pub fn posix_parent(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.starts_with('/') {
            "/".into()
        } else {
            ".".into()
        };
    }
    match trimmed.rfind('/') {
        None => ".".into(),
        Some(0) => "/".into(),
        Some(at) => trimmed[..at].trim_end_matches('/').to_string(),
    }
}

/// `dir/name` as Python's `PurePosixPath(dir) / name` gives it for a relative `name`.
pub fn posix_join(dir: &str, name: &str) -> String {
    let trimmed = dir.trim_end_matches('/');
    if trimmed.is_empty() && dir.starts_with('/') {
        format!("/{name}")
    } else {
        format!("{trimmed}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_python() {
        assert_eq!(
            posix_join("/workspace/app", "idea.txt"),
            "/workspace/app/idea.txt"
        );
        assert_eq!(
            posix_join("/workspace/app/", "idea.txt"),
            "/workspace/app/idea.txt"
        );
        assert_eq!(posix_join("/", "idea.txt"), "/idea.txt");
    }

    #[test]
    fn parents_like_python() {
        for (path, parent) in [
            ("/workspace/app/idea.txt", "/workspace/app"),
            ("/idea.txt", "/"),
            ("idea.txt", "."),
            ("ideas/m1.md", "ideas"),
            ("/", "/"),
            ("/a//b", "/a"),
            ("/a/b/", "/a"),
        ] {
            assert_eq!(posix_parent(path), parent, "{path}");
        }
    }
}
