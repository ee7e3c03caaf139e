//! A proxy's deploy history laid out over time, per environment, for the history page to draw as it comes:
//! a DEPLOY starts a revision's live span (ending the one before), an UNDEPLOY ends it, and a ROLLBACK is a
//! change of the configuration, drawn apart with imports (the DEPLOY it made, if any, is its own record).

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::model::{Action, HistoryRecord, LiveSpan, Timeline, TimelineEvent, TimelineLane};

/// Positions are thousandths of the period drawn.
const SCALE: f64 = 1000.0;

/// `records` in any order; `live` is what each environment serves now (environment, revision); `now` ends
/// the period. Retention may have dropped records (the oldest, or all but pinned ones): what is live now is
/// drawn live to the end whatever the kept records say, and a span the kept records leave open but that is
/// not live now ends at the next kept record.
pub fn timeline(records: &[HistoryRecord], live: &[(String, i64)], now: OffsetDateTime) -> Timeline {
    let mut dated: Vec<(OffsetDateTime, &HistoryRecord)> = records
        .iter()
        .filter_map(|r| Some((OffsetDateTime::parse(&r.at, &Rfc3339).ok()?, r)))
        .collect();
    dated.sort_by_key(|(at, r)| (*at, r.revision));
    let Some(&(first, _)) = dated.first() else {
        return Timeline::default();
    };
    let end = now.max(dated.last().map_or(now, |(at, _)| *at));
    // A period of no length (one record made this instant) is drawn as one second.
    let length = (end - first).as_seconds_f64().max(1.0);
    let x = |at: OffsetDateTime| {
        ((at - first).as_seconds_f64() / length * SCALE)
            .round()
            .clamp(0.0, SCALE) as u32
    };

    let mut lanes: Vec<TimelineLane> = Vec::new();
    let mut changes = Vec::new();
    for (at, record) in dated {
        let here = x(at);
        let event = TimelineEvent {
            x: here,
            action: record.action,
            revision: record.revision,
            at: record.at.clone(),
        };
        let Some(environment) = &record.environment_name else {
            changes.push(event);
            continue;
        };
        let lane = lane_of(&mut lanes, environment);
        lane.events.push(event);
        match record.action {
            Action::Deploy => {
                close(lane, here);
                lane.live.push(LiveSpan {
                    from: here,
                    to: SCALE as u32,
                    revision: record.revision,
                    open: true,
                });
            }
            Action::Undeploy => close(lane, here),
            Action::Rollback | Action::Import => {}
        }
    }
    // Every kept record's position, to end a span whose end was not kept.
    let mut marks: Vec<u32> = lanes
        .iter()
        .flat_map(|l| l.events.iter().map(|e| e.x))
        .chain(changes.iter().map(|e: &TimelineEvent| e.x))
        .collect();
    marks.sort_unstable();
    for lane in &mut lanes {
        let live_now = live
            .iter()
            .find(|(env, _)| env.eq_ignore_ascii_case(&lane.environment))
            .map(|(_, revision)| *revision);
        if let Some(open) = lane.live.last_mut().filter(|s| s.open) {
            if live_now != Some(open.revision) {
                let next = marks
                    .iter()
                    .copied()
                    .find(|x| *x > open.from)
                    .unwrap_or(open.from);
                open.to = next;
                open.open = false;
            }
        }
    }
    for (environment, revision) in live {
        let lane = lane_of(&mut lanes, environment);
        if !lane.live.last().is_some_and(|s| s.open) {
            // Deployed before the oldest kept record (or its record was not kept): live since at least then.
            let from = lane.live.iter().map(|s| s.to).max().unwrap_or(0);
            lane.live.push(LiveSpan {
                from,
                to: SCALE as u32,
                revision: *revision,
                open: true,
            });
        }
    }
    lanes.sort_by(|a, b| a.environment.cmp(&b.environment));
    Timeline {
        from: format(first),
        to: format(end),
        lanes,
        changes,
    }
}

/// The environment's line, added when it has none yet.
fn lane_of<'a>(lanes: &'a mut Vec<TimelineLane>, environment: &str) -> &'a mut TimelineLane {
    let i = match lanes
        .iter()
        .position(|l| l.environment.eq_ignore_ascii_case(environment))
    {
        Some(i) => i,
        None => {
            lanes.push(TimelineLane {
                environment: environment.to_owned(),
                ..TimelineLane::default()
            });
            lanes.len() - 1
        }
    };
    &mut lanes[i]
}

fn close(lane: &mut TimelineLane, at: u32) {
    if let Some(open) = lane.live.last_mut().filter(|s| s.open) {
        open.to = at;
        open.open = false;
    }
}

fn format(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(revision: i64, action: Action, environment: Option<&str>, minute: u32) -> HistoryRecord {
        HistoryRecord {
            id: String::new(),
            revision,
            action,
            environment_name: environment.map(Into::into),
            username: "admin".into(),
            at: format!("2026-12-05T10:{minute:02}:00.000000000Z"),
            description: String::new(),
            persistent: false,
            snapshot: None,
        }
    }

    #[test]
    fn deploys_open_spans_undeploys_close_them_and_rollbacks_are_marks() {
        let now = OffsetDateTime::parse("2026-12-05T10:40:00Z", &Rfc3339).unwrap();
        let records = [
            record(1, Action::Deploy, Some("staging"), 0),
            record(2, Action::Deploy, Some("production"), 10),
            record(3, Action::Deploy, Some("staging"), 20),
            record(4, Action::Undeploy, Some("staging"), 30),
            record(5, Action::Rollback, None, 30),
            record(6, Action::Import, None, 35),
        ];
        let t = timeline(&records, &[("production".into(), 2)], now);
        let names: Vec<_> = t.lanes.iter().map(|l| l.environment.as_str()).collect();
        assert_eq!(names, ["production", "staging"]);
        let staging = &t.lanes[1];
        let spans: Vec<_> = staging
            .live
            .iter()
            .map(|s| (s.from, s.to, s.revision, s.open))
            .collect();
        assert_eq!(spans, [(0, 500, 1, false), (500, 750, 3, false)]);
        let production = &t.lanes[0];
        assert_eq!(production.live[0].from, 250);
        assert!(production.live[0].open && production.live[0].to == 1000);
        assert_eq!(production.events.len(), 1);
        let changes: Vec<_> = t.changes.iter().map(|e| (e.x, e.action)).collect();
        assert_eq!(changes, [(750, Action::Rollback), (875, Action::Import)]);
        assert_eq!(t.from, "2026-12-05T10:00:00Z");
        assert_eq!(t.to, "2026-12-05T10:40:00Z");
    }

    #[test]
    fn no_records_no_lanes_and_one_record_now_is_drawn() {
        let now = OffsetDateTime::parse("2026-12-05T10:00:00Z", &Rfc3339).unwrap();
        assert!(timeline(&[], &[], now).lanes.is_empty());
        let t = timeline(
            &[record(1, Action::Deploy, Some("staging"), 0)],
            &[("staging".into(), 1)],
            now,
        );
        assert_eq!(t.lanes[0].live[0].from, 0);
    }

    #[test]
    fn what_is_live_now_wins_over_records_retention_dropped() {
        let now = OffsetDateTime::parse("2026-12-05T10:40:00Z", &Rfc3339).unwrap();
        // Kept: a pinned deploy of revision 1 to production, and a staging deploy; production's later deploy
        // of revision 3 and its undeploy from staging were dropped.
        let records = [
            record(1, Action::Deploy, Some("production"), 0),
            record(4, Action::Deploy, Some("staging"), 20),
        ];
        let t = timeline(&records, &[("production".into(), 3), ("test".into(), 2)], now);
        let spans = |env: &str| -> Vec<(u32, u32, i64, bool)> {
            let lane = t.lanes.iter().find(|l| l.environment == env).unwrap();
            lane.live
                .iter()
                .map(|s| (s.from, s.to, s.revision, s.open))
                .collect()
        };
        // Revision 1 ends where the next kept record is; revision 3 is live from there to now.
        assert_eq!(spans("production"), [(0, 500, 1, false), (500, 1000, 3, true)]);
        // Staging serves nothing now: its span ends at the next kept record (none: where it began).
        assert_eq!(spans("staging"), [(500, 500, 4, false)]);
        // An environment with no kept record but something live: live all along.
        assert_eq!(spans("test"), [(0, 1000, 2, true)]);
    }
}
