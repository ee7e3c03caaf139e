//! What a gateway counts per API proxy and minute for the console's charts (requests, 4xx, 5xx, a latency
//! histogram with the control plane's fixed buckets), beside the Prometheus counters of `metrics`. The
//! current and the previous minute are kept; a report sends those that changed since the last one, and the
//! control plane keeps the hour.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deploy::model::{MinuteCounts, LATENCY_BOUNDS_MS, LATENCY_BUCKETS};

/// Minutes since the Unix epoch, now.
pub fn current_minute() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| (d.as_secs() / 60) as i64)
        .unwrap_or_default()
}

/// The bucket a latency falls in.
fn bucket(elapsed: Duration) -> usize {
    let ms = elapsed.as_secs_f64() * 1000.0;
    LATENCY_BOUNDS_MS
        .iter()
        .position(|bound| ms <= f64::from(*bound))
        .unwrap_or(LATENCY_BOUNDS_MS.len())
}

fn empty(minute: i64) -> MinuteCounts {
    MinuteCounts {
        minute,
        latency: vec![0; LATENCY_BUCKETS],
        ..MinuteCounts::default()
    }
}

/// The previous and the current minute of one API proxy.
#[derive(Debug)]
pub struct MinuteWindow {
    previous: MinuteCounts,
    current: MinuteCounts,
}

impl Default for MinuteWindow {
    fn default() -> Self {
        MinuteWindow {
            previous: empty(0),
            current: empty(0),
        }
    }
}

impl MinuteWindow {
    pub fn count(&mut self, minute: i64, status: u16, elapsed: Duration) {
        if minute > self.current.minute {
            let finished = std::mem::replace(&mut self.current, empty(minute));
            // After a quiet minute the one before is not "previous" any more.
            self.previous = if finished.minute == minute - 1 {
                finished
            } else {
                empty(minute - 1)
            };
        }
        let slot = if minute == self.current.minute {
            &mut self.current
        } else if minute == self.previous.minute {
            &mut self.previous
        } else {
            // A clock step backwards: counted in the current minute rather than lost.
            &mut self.current
        };
        slot.requests += 1;
        match status {
            400..=499 => slot.client_errors += 1,
            500..=599 => slot.server_errors += 1,
            _ => {}
        }
        slot.latency[bucket(elapsed)] += 1;
    }

    /// The minutes with requests, oldest first.
    pub fn recent(&self) -> Vec<MinuteCounts> {
        [&self.previous, &self.current]
            .into_iter()
            .filter(|m| m.requests > 0)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_by_minute_class_and_latency() {
        let mut w = MinuteWindow::default();
        w.count(100, 200, Duration::from_micros(800));
        w.count(100, 404, Duration::from_millis(12));
        w.count(101, 503, Duration::from_secs(60));
        let recent = w.recent();
        assert_eq!(recent.len(), 2);
        assert_eq!(
            (recent[0].minute, recent[0].requests, recent[0].client_errors),
            (100, 2, 1)
        );
        assert_eq!(recent[0].latency[0], 1, "0.8 ms is in the first bucket");
        assert_eq!(recent[0].latency[6], 1, "12 ms is in the ≤ 15 ms bucket");
        assert_eq!((recent[1].minute, recent[1].server_errors), (101, 1));
        assert_eq!(
            recent[1].latency[LATENCY_BUCKETS - 1],
            1,
            "a minute is beyond the last bound"
        );
        // A quiet minute later, the old ones are gone.
        w.count(105, 200, Duration::from_millis(1));
        assert_eq!(w.recent().len(), 1);
    }
}
