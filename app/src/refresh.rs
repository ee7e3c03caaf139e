//! When a page reloads its data after an action. Pages refetch on an action's successes, not on every completion:
//! a refused save must leave what the person typed in the form (beside the error) instead of redrawing the form
//! from the server's unchanged values.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A count that goes up each time `action` completes with `Ok`.
pub fn successes<S>(action: ServerAction<S>) -> ReadSignal<usize>
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let count = RwSignal::new(0usize);
    Effect::new(move |_| {
        if action.value().with(|v| matches!(v, Some(Ok(_)))) {
            count.update(|n| *n += 1);
        }
    });
    count.read_only()
}
