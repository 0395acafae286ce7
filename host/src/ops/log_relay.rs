//! Relaying a streamed command's output (`logs`) to the console, redacted, on three
//! threads: one reads the pipes, one redacts, one writes. A fast log, the redactor and
//! the kernel's copies then run side by side instead of taking turns. Chunks keep their
//! order across both channels; buffers travel back to where they came from, so memory
//! stays at a few of them whatever the log's size.

use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use crate::capability::{Caller, Capability, Channel, CommandSpec, ProcessError, StreamSink};
use crate::console::Console;
use crate::redact::{Redactor, StreamRedactor};

/// Chunks waiting for the next stage, at most, per stage.
const IN_FLIGHT: usize = 1;

type Chunk = (Channel, Vec<u8>);

/// Streams `cmd`, its stdout to stdout and its stderr to stderr, each redacted on its
/// own (a secret split across the two streams cannot be reassembled by either).
/// Returns the command's exit status.
pub(super) fn relay(
    capability: &Capability,
    caller: &Caller,
    cmd: &CommandSpec,
) -> Result<i32, ProcessError> {
    let console = capability.console().clone();
    let redactor = capability.redactor();
    let (read, to_redact) = sync_channel::<Chunk>(IN_FLIGHT);
    let (redacted, to_write) = sync_channel::<Chunk>(IN_FLIGHT);
    let (read_back, reusable_reads) = channel::<Vec<u8>>();
    let (written_back, reusable_writes) = channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        scope.spawn(move || redact(redactor, to_redact, read_back, redacted, reusable_writes));
        scope.spawn(move || write(&console, to_write, written_back));
        let mut first_stage = Reads {
            next: read,
            reusable: reusable_reads,
        };
        let status = capability.stream_into(caller, cmd, &mut first_stage);
        drop(first_stage);
        status
    })
}

/// The first stage: chunks as read, in the buffers they were read into.
struct Reads {
    next: SyncSender<Chunk>,
    reusable: Receiver<Vec<u8>>,
}

impl StreamSink for Reads {
    /// A chunk from a replayed or rehearsed call, which has no buffer of its own.
    fn chunk(&mut self, channel: Channel, bytes: &[u8]) {
        let mut chunk = self.reusable();
        chunk.extend_from_slice(bytes);
        self.pass_on(channel, chunk);
    }

    fn buffer(&mut self, channel: Channel, filled: Vec<u8>) -> Vec<u8> {
        self.pass_on(channel, filled);
        self.reusable()
    }
}

impl Reads {
    fn pass_on(&self, channel: Channel, chunk: Vec<u8>) {
        // A later stage stops early only by panicking, which the scope reports when it
        // ends.
        let _ = self.next.send((channel, chunk));
    }

    /// An empty buffer, one the redactor gave back if there is one.
    fn reusable(&self) -> Vec<u8> {
        let mut buffer = self.reusable.try_recv().unwrap_or_default();
        buffer.clear();
        buffer
    }
}

/// The middle stage: each stream's redactor, fed in order.
fn redact(
    redactor: &Redactor,
    chunks: Receiver<Chunk>,
    give_back: Sender<Vec<u8>>,
    out: SyncSender<Chunk>,
    reusable: Receiver<Vec<u8>>,
) {
    let mut stdout = StreamRedactor::new(redactor);
    let mut stderr = StreamRedactor::new(redactor);
    let fresh = || reusable.try_recv().unwrap_or_default();
    for (channel, chunk) in chunks {
        let mut redacted = fresh();
        match channel {
            Channel::Out => stdout.feed(&chunk, &mut redacted),
            Channel::Err => stderr.feed(&chunk, &mut redacted),
        }
        let _ = give_back.send(chunk);
        if !redacted.is_empty() {
            let _ = out.send((channel, redacted));
        }
    }
    let mut rest = fresh();
    stdout.finish(&mut rest);
    let _ = out.send((Channel::Out, rest));
    let mut rest = fresh();
    stderr.finish(&mut rest);
    let _ = out.send((Channel::Err, rest));
}

/// The last stage: the console, in the order the chunks were read.
fn write(console: &Console, chunks: Receiver<Chunk>, give_back: Sender<Vec<u8>>) {
    for (channel, mut bytes) in chunks {
        if !bytes.is_empty() {
            match channel {
                Channel::Out => console.out(&bytes),
                Channel::Err => console.err(&bytes),
            }
        }
        bytes.clear();
        let _ = give_back.send(bytes);
    }
}
