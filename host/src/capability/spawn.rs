//! Starting processes: the only code in megaplan-cloud allowed to (the lint
//! configuration bans `std::process::Command` everywhere else).
//!
//! Captured and streamed commands get a process group of their own (`groups.rs`), so a
//! timeout kills everything they started, not just the first process; and since the
//! terminal's Ctrl-C no longer reaches them, an interrupt of megaplan-cloud is
//! forwarded to every live group before megaplan-cloud itself stops. Terminal commands stay in the foreground group so
//! the operator's keys reach them.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::groups::{LiveGroup, kill_group, spawn_watchdog, wait_until};
use super::stdin::StdinBytes;
use super::{Channel, Output, StreamSink};

pub(super) struct Launch<'a> {
    pub path: &'a Path,
    pub args: &'a [String],
    pub cwd: Option<&'a Path>,
    /// What the child inherits from the operator (the host's allowlist).
    pub inherited: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    /// What the provider set (declared keys only).
    pub env: &'a [(String, String)],
    pub stdin: StdinBytes,
}

pub(super) struct Outcome {
    pub output: Output,
    pub timed_out: bool,
}

/// Finds a program on the host's PATH.
pub(super) fn locate(program: &str, search_path: Option<std::ffi::OsString>) -> Option<PathBuf> {
    let cwd = crate::environment::current_dir().ok()?;
    which::which_in(program, Some(search_path?), cwd).ok()
}

fn command(launch: &Launch<'_>) -> Command {
    let mut cmd = Command::new(launch.path);
    cmd.args(launch.args);
    if let Some(cwd) = launch.cwd {
        cmd.current_dir(cwd);
    }
    // A cleared environment: only the host's allowlist and the provider's declared keys.
    cmd.env_clear();
    cmd.envs(launch.inherited.iter().map(|(k, v)| (k, v)));
    for (key, value) in launch.env {
        cmd.env(key, value);
    }
    cmd
}

fn stdin_stdio(stdin: &StdinBytes) -> Stdio {
    match stdin {
        StdinBytes::Null => Stdio::null(),
        StdinBytes::Inherit => Stdio::inherit(),
        StdinBytes::Bytes(_) => Stdio::piped(),
    }
}

/// Feeds stdin from a thread so a child that writes before it reads cannot deadlock us.
fn feed_stdin(child: &mut Child, stdin: StdinBytes) -> Option<thread::JoinHandle<()>> {
    let StdinBytes::Bytes(bytes) = stdin else {
        return None;
    };
    let mut pipe = child.stdin.take()?;
    Some(thread::spawn(move || {
        // A child that exits without reading all of its input closes the pipe; that
        // is its business, not an error of ours.
        let _ = pipe.write_all(&bytes);
    }))
}

/// Reads a pipe to the end, keeping at most `cap` bytes.
fn read_capped(mut pipe: impl Read, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut truncated = false;
    let mut buf = [0u8; 64 * 1024];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                if n > room {
                    truncated = true;
                }
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    (kept, truncated)
}

fn status_code(status: ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| -status.signal().unwrap_or(1))
}

/// Runs to completion with stdout and stderr captured separately.
pub(super) fn capture(
    launch: Launch<'_>,
    timeout: Duration,
    cap: usize,
) -> std::io::Result<Outcome> {
    let deadline = Instant::now() + timeout;
    let tag = super::reap::new_tag();
    let mut cmd = command(&launch);
    cmd.env(super::reap::TAG, &tag)
        .stdin(stdin_stdio(&launch.stdin))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    LiveGroup::prepare();
    let mut child = cmd.spawn()?;
    let _live = LiveGroup::register(&child);
    let feeder = feed_stdin(&mut child, launch.stdin);
    let (sender, receiver) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let out_sender = sender.clone();
    thread::spawn(move || out_sender.send((true, read_capped(stdout, cap))));
    thread::spawn(move || sender.send((false, read_capped(stderr, cap))));

    let (status, mut timed_out) = wait_until(&mut child, Some(deadline), &tag)?;
    let mut output = Output {
        status: status_code(status),
        ..Output::default()
    };
    // A descendant may still hold the pipes open after the child exits; it gets until
    // the deadline, then its group is killed.
    for _ in 0..2 {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let received = match receiver.recv_timeout(remaining) {
            Ok(received) => received,
            Err(_) => {
                kill_group(&child, &tag);
                timed_out = true;
                match receiver.recv_timeout(Duration::from_secs(5)) {
                    Ok(received) => received,
                    Err(_) => break,
                }
            }
        };
        let (is_stdout, (bytes, truncated)) = received;
        output.truncated |= truncated;
        if is_stdout {
            output.stdout = bytes;
        } else {
            output.stderr = bytes;
        }
    }
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    Ok(Outcome { output, timed_out })
}

/// Runs with stdout and stderr on pipes of their own, handing each chunk to `sink` as
/// it is read, tagged with its channel; one thread waits on both with `poll`, so
/// neither stream can hold the other back.
pub(super) fn stream(
    launch: Launch<'_>,
    timeout: Option<Duration>,
    sink: &mut dyn StreamSink,
) -> std::io::Result<Outcome> {
    let deadline = timeout.map(|t| Instant::now() + t);
    let (out_reader, out_writer) = std::io::pipe()?;
    let (err_reader, err_writer) = std::io::pipe()?;
    widen(&out_reader);
    let tag = super::reap::new_tag();
    let mut cmd = command(&launch);
    cmd.env(super::reap::TAG, &tag)
        .stdin(stdin_stdio(&launch.stdin))
        .stdout(out_writer)
        .stderr(err_writer)
        .process_group(0);
    LiveGroup::prepare();
    let mut child = cmd.spawn()?;
    let _live = LiveGroup::register(&child);
    // Drop our copies of the write ends, or the readers never see end-of-file.
    drop(cmd);
    let feeder = feed_stdin(&mut child, launch.stdin);
    let pid = child.id();
    let watchdog = deadline.map(|deadline| spawn_watchdog(pid, deadline, tag));
    relay_both(out_reader, err_reader, sink)?;
    let status = child.wait()?;
    let timed_out = watchdog.is_some_and(|w| w.fired());
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    Ok(Outcome {
        output: Output {
            status: status_code(status),
            ..Output::default()
        },
        timed_out,
    })
}

/// How much a streamed command may write ahead of us, and how much one read takes:
/// with the kernel's default 64 KiB, a fast writer and the redactor wake each other
/// for every 64 KiB, and the switches cost more than the copying.
const STREAM_PIPE: usize = 512 << 10;

/// Best effort: an unprivileged process may be refused the size (`pipe-max-size`), and
/// the default pipe works, only slower.
fn widen(pipe: &std::io::PipeReader) {
    let _ = rustix::pipe::fcntl_setpipe_size(pipe, STREAM_PIPE);
}

/// Runs to completion like `capture`, handing each chunk to `show` as it arrives too.
pub(super) fn capture_showing(
    launch: Launch<'_>,
    timeout: Duration,
    cap: usize,
    show: &mut dyn FnMut(Channel, &[u8]),
) -> std::io::Result<Outcome> {
    let (mut stdout, mut stderr, mut truncated) = (Vec::new(), Vec::new(), false);
    let mut outcome = stream(
        launch,
        Some(timeout),
        &mut |channel: Channel, chunk: &[u8]| {
            let kept = match channel {
                Channel::Out => &mut stdout,
                Channel::Err => &mut stderr,
            };
            let room = cap.saturating_sub(kept.len());
            truncated |= chunk.len() > room;
            kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            show(channel, chunk);
        },
    )?;
    outcome.output.stdout = stdout;
    outcome.output.stderr = stderr;
    outcome.output.truncated = truncated;
    Ok(outcome)
}

/// Reads both pipes until both are closed, whichever has data first.
fn relay_both(
    out: std::io::PipeReader,
    err: std::io::PipeReader,
    sink: &mut dyn StreamSink,
) -> std::io::Result<()> {
    use rustix::event::{PollFd, PollFlags, poll};
    let mut pipes = [(Channel::Out, Some(out)), (Channel::Err, Some(err))];
    // Each chunk is read straight into a buffer the sink may keep (no copy on the way).
    let mut buf = Vec::with_capacity(STREAM_PIPE);
    loop {
        let ready: Vec<bool> = {
            let mut fds: Vec<PollFd<'_>> = pipes
                .iter()
                .filter_map(|(_, pipe)| pipe.as_ref())
                .map(|pipe| PollFd::new(pipe, PollFlags::IN))
                .collect();
            if fds.is_empty() {
                return Ok(());
            }
            match poll(&mut fds, None) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
            fds.iter().map(|fd| !fd.revents().is_empty()).collect()
        };
        let mut open = pipes.iter_mut().filter(|(_, pipe)| pipe.is_some());
        for is_ready in ready {
            let Some((channel, pipe)) = open.next() else {
                break;
            };
            if !is_ready {
                continue;
            }
            let reader = pipe.as_ref().expect("open");
            buf.clear();
            buf.reserve(STREAM_PIPE);
            match rustix::io::read(reader, rustix::buffer::spare_capacity(&mut buf)) {
                Ok(0) => *pipe = None,
                Ok(_) => buf = sink.buffer(*channel, std::mem::take(&mut buf)),
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Runs on the operator's terminal: stdio inherited, same process group.
pub(super) fn on_terminal(launch: Launch<'_>) -> std::io::Result<Outcome> {
    let mut cmd = command(&launch);
    cmd.stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let status = cmd.status()?;
    Ok(Outcome {
        output: Output {
            status: status_code(status),
            ..Output::default()
        },
        timed_out: false,
    })
}
