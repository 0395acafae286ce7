//! What bounds one call into a component, whatever the component does: its CPU time
//! (guest code and blocking WASI calls such as `sleep`, everything but the host's own
//! capability calls), the wall-clock time of the whole operation, and the number of
//! host calls it makes.
//!
//! Epoch interruption stops guest *code*, but a blocking WASI call never returns to it.
//! So each call runs on a worker thread, and the caller waits with a watchdog: when the
//! guest clock or the operation's wall clock runs out, the caller gets its error at once
//! and the instance is retired; the blocked worker is abandoned (it dies with the
//! process, and no one waits for it).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Limits;

/// The CPU clock of the current call, shared by the store (which starts and stops host
/// time) and the watchdog (which reads it from another thread).
#[derive(Debug)]
pub struct GuestClock {
    state: Mutex<ClockState>,
}

#[derive(Debug)]
struct ClockState {
    call_started: Instant,
    in_host: Duration,
    host_since: Option<Instant>,
    /// The epoch callback stopped guest code for exceeding the budget.
    exceeded: bool,
    host_calls: u32,
}

impl GuestClock {
    pub fn new() -> Arc<Self> {
        Arc::new(GuestClock {
            state: Mutex::new(ClockState {
                call_started: Instant::now(),
                in_host: Duration::ZERO,
                host_since: None,
                exceeded: false,
                host_calls: 0,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn start_call(&self) {
        let mut state = self.lock();
        state.call_started = Instant::now();
        state.in_host = Duration::ZERO;
        state.host_since = None;
        state.exceeded = false;
        state.host_calls = 0;
    }

    /// Wall time of the call minus the time spent in host capability calls.
    pub fn guest_time(&self) -> Duration {
        let state = self.lock();
        let now = Instant::now();
        let in_host = state.in_host + state.host_since.map_or(Duration::ZERO, |t| now - t);
        (now - state.call_started).saturating_sub(in_host)
    }

    pub fn wall_time(&self) -> Duration {
        self.lock().call_started.elapsed()
    }

    /// Marks the start of a host call; `Err` once the call budget is spent.
    pub fn enter_host(&self, max_calls: u32) -> Result<(), u32> {
        let mut state = self.lock();
        state.host_calls += 1;
        if state.host_calls > max_calls {
            return Err(max_calls);
        }
        state.host_since = Some(Instant::now());
        Ok(())
    }

    pub fn leave_host(&self) {
        let mut state = self.lock();
        if let Some(since) = state.host_since.take() {
            state.in_host += since.elapsed();
        }
    }

    pub fn mark_exceeded(&self) {
        self.lock().exceeded = true;
    }

    pub fn exceeded(&self) -> bool {
        self.lock().exceeded
    }
}

/// Why the watchdog gave up on a call.
pub enum Abandoned {
    /// Guest time (code or a blocking WASI call) ran past the budget.
    Cpu,
    /// The whole operation ran past its wall-clock limit.
    Wall,
}

/// Runs `work` on a worker thread and waits for it, checking `clock` against `limits`
/// every epoch tick. The epoch callback stops guest code at the budget; the watchdog
/// allows it a grace on top, so it only decides for a call the epoch cannot reach.
pub fn run_watched<T: Send + 'static>(
    clock: &GuestClock,
    limits: &Limits,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Abandoned> {
    let (sender, receiver) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("megaplan-cloud-provider".into())
        .spawn(move || {
            let _ = sender.send(work());
        });
    if spawned.is_err() {
        // No thread to be had: say so as the limit it protects.
        return Err(Abandoned::Wall);
    }
    let grace = limits.guest_cpu / 4 + limits.epoch_tick * 4;
    loop {
        match receiver.recv_timeout(limits.epoch_tick) {
            Ok(result) => return Ok(result),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Abandoned::Wall),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if clock.guest_time() > limits.guest_cpu + grace {
                    return Err(Abandoned::Cpu);
                }
                if clock.wall_time() > limits.operation_wall {
                    return Err(Abandoned::Wall);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            guest_cpu: Duration::from_millis(50),
            epoch_tick: Duration::from_millis(5),
            operation_wall: Duration::from_millis(400),
            ..Limits::default()
        }
    }

    /// Stands for a blocking call that never returns in time.
    fn blocked() -> Result<(), mpsc::RecvTimeoutError> {
        let (keep, never) = mpsc::channel::<()>();
        let result = never.recv_timeout(Duration::from_secs(30));
        drop(keep);
        result
    }

    #[test]
    fn a_blocking_call_is_abandoned_at_the_cpu_budget() {
        let clock = GuestClock::new();
        clock.start_call();
        let started = Instant::now();
        let result = run_watched(&clock, &limits(), blocked);
        assert!(matches!(result, Err(Abandoned::Cpu)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn time_in_host_calls_counts_only_against_the_wall_clock() {
        let clock = GuestClock::new();
        clock.start_call();
        clock.enter_host(10).unwrap();
        let result = run_watched(&clock, &limits(), blocked);
        assert!(matches!(result, Err(Abandoned::Wall)));
    }

    #[test]
    fn host_calls_are_counted_per_call() {
        let clock = GuestClock::new();
        clock.start_call();
        for _ in 0..3 {
            clock.enter_host(3).unwrap();
            clock.leave_host();
        }
        assert_eq!(clock.enter_host(3), Err(3));
        clock.start_call();
        assert!(clock.enter_host(3).is_ok());
    }
}
