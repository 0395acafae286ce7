//! Which local file each milestone's idea comes from: the reference's candidates, in its
//! order, so a spec written for the runner's paths finds its ideas on the operator's
//! disk. The upload destination is always the spec's `idea` string, unchanged.

use std::path::{Path, PathBuf};

use crate::config::python_repr;
use crate::error::{CloudError, CloudResult};

/// Where to look for an idea the spec names as `idea`.
pub struct Places<'a> {
    /// `repo.workspace`: the runner's checkout.
    pub workspace: &'a str,
    /// The local project root.
    pub root: &'a Path,
    /// `--idea-dir`, or the spec file's directory.
    pub idea_dir: &'a Path,
}

/// The idea's path relative to the workspace (or to nothing, for a path elsewhere).
fn relative(idea: &str, workspace: &str) -> String {
    let workspace = workspace.trim_end_matches('/');
    if idea == workspace {
        String::new()
    } else if let Some(rest) = idea.strip_prefix(&format!("{workspace}/")) {
        rest.to_string()
    } else if let Some(rest) = idea.strip_prefix('/') {
        rest.to_string()
    } else {
        idea.to_string()
    }
}

/// Every place the idea may be, de-duplicated, in the order they are tried.
pub fn candidates(idea: &str, places: &Places<'_>) -> Vec<PathBuf> {
    let rel = relative(idea, places.workspace);
    let dir = places.idea_dir;
    let mut out = vec![dir.join(&rel), places.root.join(&rel)];
    if let Ok(dir_in_root) = dir.strip_prefix(places.root)
        && let Ok(rest) = Path::new(&rel).strip_prefix(dir_in_root)
        && !dir_in_root.as_os_str().is_empty()
    {
        out.push(dir.join(rest));
    }
    let under_workspace = idea.starts_with(&format!("{}/", places.workspace.trim_end_matches('/')));
    if idea.starts_with('/')
        && !under_workspace
        && let Some(name) = Path::new(idea).file_name()
    {
        out.push(dir.join(name));
    }
    let mut unique = Vec::new();
    for path in out {
        if !unique.contains(&path) {
            unique.push(path);
        }
    }
    unique
}

/// The first candidate that exists, or `missing_idea_file` listing what was tried.
pub fn resolve(label: &str, idea: &str, places: &Places<'_>) -> CloudResult<PathBuf> {
    let tried = candidates(idea, places);
    if let Some(found) = tried.iter().find(|p| p.is_file()) {
        return Ok(found.clone());
    }
    let list: String = tried
        .iter()
        .map(|p| format!("\n- {}", p.display()))
        .collect();
    Err(CloudError::new(
        "missing_idea_file",
        format!(
            "milestone {} idea not found on disk. Tried:{list}\nInvoke from the repository root or adjust --idea-dir to the directory containing chain ideas.",
            python_repr(label)
        ),
    )
    .with("milestone", label)
    .with(
        "tried_paths",
        tried
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places<'a>(root: &'a Path, idea_dir: &'a Path) -> Places<'a> {
        Places {
            workspace: "/workspace/app",
            root,
            idea_dir,
        }
    }

    #[test]
    fn candidates_in_the_references_order() {
        let root = Path::new("/proj");
        let dir = Path::new("/proj/plans/ideas");
        let p = places(root, dir);
        assert_eq!(
            candidates("/workspace/app/plans/ideas/m1.md", &p),
            [
                PathBuf::from("/proj/plans/ideas/plans/ideas/m1.md"),
                PathBuf::from("/proj/plans/ideas/m1.md"),
            ]
        );
        assert_eq!(
            candidates("/elsewhere/m2.md", &p),
            [
                PathBuf::from("/proj/plans/ideas/elsewhere/m2.md"),
                PathBuf::from("/proj/elsewhere/m2.md"),
                PathBuf::from("/proj/plans/ideas/m2.md"),
            ]
        );
        assert_eq!(
            candidates("m3.md", &p),
            [
                PathBuf::from("/proj/plans/ideas/m3.md"),
                PathBuf::from("/proj/m3.md"),
            ]
        );
    }

    #[test]
    fn the_first_existing_candidate_wins_and_a_miss_lists_them_all() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("ideas");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(root.path().join("m1.md"), "idea").unwrap();
        let p = places(root.path(), &dir);
        assert_eq!(
            resolve("m1", "/workspace/app/m1.md", &p).unwrap(),
            root.path().join("m1.md")
        );
        let err = resolve("it's m2", "/workspace/app/m2.md", &p).unwrap_err();
        assert_eq!(err.code, "missing_idea_file");
        assert!(
            err.message.starts_with(&format!(
                "milestone \"it's m2\" idea not found on disk. Tried:\n- {}\n- {}\nInvoke from the repository root",
                dir.join("m2.md").display(),
                root.path().join("m2.md").display()
            )),
            "{}",
            err.message
        );
        assert_eq!(err.extra["milestone"], "it's m2");
        assert_eq!(err.extra["tried_paths"].as_array().unwrap().len(), 2);
    }
}
