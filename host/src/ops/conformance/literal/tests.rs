use super::*;

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

const V: &str = SHELL_TEXT.value;

#[test]
fn splitting_follows_posix_quoting_and_marks_what_a_shell_expands() {
    let words = split(r#"a 'b c' "d $e \$f" g\ h;i"#).unwrap();
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["a", "b c", "d $e $f", "g h", "i"]);
    assert_eq!(words[2].expands, vec![2], "only the unescaped $ is live");
    assert!(split("'open").is_err());
    assert!(split("x\\").is_err());
}

#[test]
fn a_value_as_a_word_of_its_own_or_a_flag_value_is_literal() {
    assert_eq!(
        problem_in_argv(&argv(&["acmectl", "--app", V]), SHELL_TEXT),
        None
    );
    let flag = format!("--app={V}");
    assert_eq!(
        problem_in_argv(&argv(&["acmectl", &flag]), SHELL_TEXT),
        None
    );
    let glued = format!("{V}@example.com");
    assert_eq!(problem_in_argv(&argv(&["ssh", &glued]), SHELL_TEXT), None);
}

#[test]
fn a_value_quoted_for_each_shell_it_passes_through_is_literal() {
    let inner = format!("cd {} && ls", quote(V));
    let middle = format!("docker exec agent bash -lc {}", quote(&inner));
    let words = argv(&["ssh", "-p", "22", "host", &middle]);
    assert_eq!(problem_in_argv(&words, SHELL_TEXT), None);
    let script = format!("set -e\nmkdir -p {}\n", quote(V));
    assert_eq!(problem_in_script(&script, SHELL_TEXT), None);
}

#[test]
fn a_value_a_shell_would_split_or_expand_is_caught() {
    let bare = format!("cd {V} && ls");
    let problem = problem_in_argv(&argv(&["ssh", "host", &bare]), SHELL_TEXT).unwrap();
    assert!(problem.contains("a shell"), "{problem}");
    let doubled = format!("cd \"{}\"", V.replace('"', "\\\""));
    let problem = problem_in_argv(&argv(&["ssh", "host", &doubled]), SHELL_TEXT).unwrap();
    assert!(problem.contains("expand"), "{problem}");
    // Escaping a single quote with a backslash inside single quotes does not work in sh.
    let naive = format!("echo '{}'", V.replace('\'', "\\'"));
    assert!(problem_in_argv(&argv(&["ssh", "host", &naive]), SHELL_TEXT).is_some());
    // Quoted for the inner shell, then wrapped in double quotes for the outer one.
    let twice = format!("docker exec agent bash -lc \"cd {}\"", quote(V));
    assert!(problem_in_argv(&argv(&["ssh", "host", &twice]), SHELL_TEXT).is_some());
    let script = format!("mkdir -p {V}\n");
    assert!(problem_in_script(&script, SHELL_TEXT).is_some());
}

#[test]
fn a_leading_dash_is_caught_where_options_are_read() {
    let dash = LEADING_DASH.value;
    let problem = problem_in_argv(&argv(&["ssh", "-p", "22", dash, "true"]), LEADING_DASH);
    assert!(problem.unwrap().contains("reads options"));
    let glued = format!("{dash}@host");
    assert!(problem_in_argv(&argv(&["ssh", &glued]), LEADING_DASH).is_some());
    for fine in [
        vec!["ssh", "-l", dash, "host"],
        vec!["acmectl", "destroy", "--", dash],
        vec!["acmectl", "--app", dash],
    ] {
        assert_eq!(
            problem_in_argv(&argv(&fine), LEADING_DASH),
            None,
            "{fine:?}"
        );
    }
    let remote = format!("cd {dash}");
    assert!(problem_in_argv(&argv(&["ssh", "host", &remote]), LEADING_DASH).is_some());
    let remote = format!("cd -- {dash}");
    assert_eq!(
        problem_in_argv(&argv(&["ssh", "host", &remote]), LEADING_DASH),
        None
    );
}

#[test]
fn a_path_quoted_with_the_sdk_is_literal_and_a_bare_one_is_not() {
    let path = SHELL_PATH.value;
    let fine = format!("mkdir -p {}", quote(path));
    assert_eq!(
        problem_in_argv(&argv(&["ssh", "h", &fine]), SHELL_PATH),
        None
    );
    let bare = format!("mkdir -p {path}");
    assert!(problem_in_argv(&argv(&["ssh", "h", &bare]), SHELL_PATH).is_some());
}
