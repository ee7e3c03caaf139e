//! The deploy history drawn over time: a line per environment, a bar while a revision was live there, and a
//! mark for each deploy, undeploy and rollback. The server lays it out (`deploy::timeline`); this draws.

use deploy::model::{Action, LiveSpan, Timeline, TimelineEvent};
use leptos::prelude::*;

use crate::gateway_nodes::when;

const LANE_HEIGHT: u32 = 26;

#[component]
pub fn DeployTimeline(timeline: Timeline) -> impl IntoView {
    if timeline.lanes.is_empty() && timeline.changes.is_empty() {
        return ().into_any();
    }
    let Timeline {
        from,
        to,
        lanes,
        changes,
    } = timeline;
    let changes = (!changes.is_empty()).then(|| {
        let count = |a: Action| changes.iter().filter(|e| e.action == a).count();
        let (rollbacks, imports) = (count(Action::Rollback), count(Action::Import));
        let summary = format!(
            "Configuration: {rollbacks} {}, {imports} {}",
            plural(rollbacks, "rollback", "rollbacks"),
            plural(imports, "import", "imports"),
        );
        view! { <Lane name="configuration".to_owned() summary spans=Vec::new() events=changes /> }
    });
    view! {
        <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Over time"</h2>
            <div class="timeline">
                {lanes.into_iter().map(|lane| {
                    let count = |a: Action| lane.events.iter().filter(|e| e.action == a).count();
                    let (deploys, undeploys) = (count(Action::Deploy), count(Action::Undeploy));
                    let now = match lane.live.last().filter(|s| s.open) {
                        Some(span) => format!("revision {} live now", span.revision),
                        None => "nothing live now".to_owned(),
                    };
                    let summary = format!(
                        "{}: {deploys} {}, {undeploys} {}; {now}",
                        lane.environment,
                        plural(deploys, "deploy", "deploys"),
                        plural(undeploys, "undeploy", "undeploys"),
                    );
                    view! { <Lane name=lane.environment summary spans=lane.live events=lane.events /> }
                }).collect_view()}
                {changes}
                <p class="timeline-axis muted"><span>{when(&from)}</span><span>{format!("now, {}", when(&to))}</span></p>
            </div>
            <p class="muted timeline-key">
                <span class="key-deploy">"● deploy"</span>" "<span class="key-undeploy">"○ undeploy"</span>" "
                <span class="key-rollback">"◆ rollback or import"</span>" · a bar while a revision was live"
            </p>
        </section>
    }
    .into_any()
}

fn percent(x: u32) -> String {
    format!("{:.1}%", f64::from(x) / 10.0)
}

/// One line of the drawing: its name, bars where a revision was live, and a mark per record.
#[component]
fn Lane(name: String, summary: String, spans: Vec<LiveSpan>, events: Vec<TimelineEvent>) -> impl IntoView {
    let mid = LANE_HEIGHT / 2;
    view! {
        <div class="timeline-lane">
            <span class="timeline-name">{name}</span>
            <svg role="img" aria-label=summary width="100%" height=LANE_HEIGHT>
                <line x1="0" x2="100%" y1=mid y2=mid class="timeline-rule" />
                {spans.iter().map(|s| view! {
                    <rect class="timeline-live" x=percent(s.from) width=percent(s.to.saturating_sub(s.from).max(3))
                        y=mid - 5 height="10" rx="3">
                        <title>{format!("revision {} live", s.revision)}</title>
                    </rect>
                }).collect_view()}
                {events.iter().map(|e| {
                    let title = format!("{}, revision {}, {}", action_word(e.action), e.revision, when(&e.at));
                    let x = percent(e.x);
                    match e.action {
                        Action::Undeploy => view! {
                            <circle class="timeline-undeploy" cx=x cy=mid r="5"><title>{title}</title></circle>
                        }.into_any(),
                        Action::Rollback | Action::Import => view! {
                            // A diamond: a square turned about its centre, placed by a nested SVG so the
                            // position can be a percentage.
                            <svg x=x y=mid - 6 overflow="visible" aria-hidden="true">
                                <rect class="timeline-rollback" x="-4" y="2" width="8" height="8" transform="rotate(45 0 6)">
                                    <title>{title}</title>
                                </rect>
                            </svg>
                        }.into_any(),
                        Action::Deploy => view! {
                            <circle class="timeline-deploy" cx=x cy=mid r="5"><title>{title}</title></circle>
                        }.into_any(),
                    }
                }).collect_view()}
            </svg>
        </div>
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Deploy => "Deploy",
        Action::Undeploy => "Undeploy",
        Action::Rollback => "Rollback",
        Action::Import => "Import",
    }
}
