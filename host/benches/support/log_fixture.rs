//! The generated log the redaction and hot-path benches read: log-like lines, 0.5% of
//! them (every 200th) carrying one of three secrets as `NAME=value`, a bearer token or
//! a JSON field, and a secret straddling every fourth 64 KiB boundary, where a pipe's
//! reads and a writer's blocks split it.

// Each bench binary includes this file and uses only part of it.
#![allow(dead_code)]

pub const SIZE: usize = 50 * 1000 * 1000;
pub const BOUNDARY: usize = 64 * 1024;

pub fn secrets() -> Vec<(String, String)> {
    vec![
        (
            "OPENAI_API_KEY".into(),
            "sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c".into(),
        ),
        (
            "GITHUB_TOKEN".into(),
            "ghp_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa".into(),
        ),
        (
            "ANTHROPIC_API_KEY".into(),
            "s3cr3t-anthropic-value-0123456789".into(),
        ),
    ]
}

const WORDS: [&str; 24] = [
    "INFO",
    "step",
    "critique",
    "finished",
    "in",
    "12.3s",
    "tokens=4521",
    "plan",
    "execute",
    "review",
    "task-17",
    "git",
    "push",
    "origin",
    "main",
    "ok",
    "/workspace/app/src/lib.rs",
    "warning:",
    "unused",
    "variable",
    "retrying",
    "after",
    "backoff",
    "2026-11-24T06:05:00Z",
];

/// About `SIZE` bytes of log, the same every time.
pub fn generate_log(secrets: &[(String, String)]) -> Vec<u8> {
    let mut log = Vec::with_capacity(SIZE + 256);
    let mut line = 0usize;
    let mut state = 0x2545F4914F6CDD1Du64;
    let mut straddled = 0usize;
    while log.len() < SIZE {
        line += 1;
        let boundary = (log.len() / BOUNDARY + 1) * BOUNDARY;
        if boundary - log.len() < 24 && (boundary / BOUNDARY).is_multiple_of(4) {
            // Starts a few bytes before the boundary and ends past it.
            let (name, value) = &secrets[straddled % secrets.len()];
            log.extend_from_slice(format!("{name}={value} straddles a read\n").as_bytes());
            straddled += 1;
            continue;
        }
        for _ in 0..8 + (line % 9) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            log.extend_from_slice(WORDS[(state % WORDS.len() as u64) as usize].as_bytes());
            log.push(b' ');
        }
        if line.is_multiple_of(200) {
            let (name, value) = &secrets[line / 200 % secrets.len()];
            match line / 200 % 3 {
                0 => log.extend_from_slice(format!("{name}={value}").as_bytes()),
                1 => log.extend_from_slice(format!("auth: Bearer {value}").as_bytes()),
                _ => log.extend_from_slice(format!("\"key\": \"{value}\"").as_bytes()),
            }
        }
        log.push(b'\n');
    }
    log
}
