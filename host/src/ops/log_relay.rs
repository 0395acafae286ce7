//! Relaying a streamed command's output (`logs`) to the console, redacted, with the
//! reading and the redacting on two threads: a fast log and the redactor then run side
//! by side instead of taking turns. Chunks keep their order across both channels; the
//! buffers go back and forth, so memory stays at a few of them whatever the log's size.

use std::sync::mpsc::{channel, sync_channel};

use crate::capability::{Caller, Capability, Channel, CommandSpec, ProcessError};
use crate::console::Console;
use crate::redact::StreamRedactor;

/// Chunks read but not yet redacted, at most.
const IN_FLIGHT: usize = 4;

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
    let (full, to_redact) = sync_channel::<(Channel, Vec<u8>)>(IN_FLIGHT);
    let (give_back, returned) = channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut out = StreamRedactor::new(redactor);
            let mut err = StreamRedactor::new(redactor);
            let mut redacted = Vec::new();
            for (channel, chunk) in to_redact {
                match channel {
                    Channel::Out => out.feed(&chunk, &mut redacted),
                    Channel::Err => err.feed(&chunk, &mut redacted),
                }
                write(&console, channel, &mut redacted);
                let _ = give_back.send(chunk);
            }
            out.finish(&mut redacted);
            write(&console, Channel::Out, &mut redacted);
            err.finish(&mut redacted);
            write(&console, Channel::Err, &mut redacted);
        });
        let status = capability.stream(caller, cmd, &mut |channel, bytes| {
            let mut chunk = returned.try_recv().unwrap_or_default();
            chunk.clear();
            chunk.extend_from_slice(bytes);
            // The redacting thread only stops early by panicking, which the scope
            // reports when it ends.
            let _ = full.send((channel, chunk));
        });
        drop(full);
        status
    })
}

fn write(console: &Console, channel: Channel, bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        return;
    }
    match channel {
        Channel::Out => console.out(bytes),
        Channel::Err => console.err(bytes),
    }
    bytes.clear();
}
