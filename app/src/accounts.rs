//! Console accounts: a system admin lists, creates, disables and enables them and resets passwords (the
//! Users page); everyone changes their own password (the Your account page). Each form is an `ActionForm`,
//! so it also works before the page's code arrives.

use deploy::model::UserSummary;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::layout::SignedIn;
use crate::ConsoleError;

#[server(endpoint = "load_users")]
pub async fn load_users() -> Result<Vec<UserSummary>, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::user_admin::list_users(&cp, &actor).await?)
}

#[server(endpoint = "create_user")]
pub async fn create_user(
    username: String,
    password: String,
    #[server(default)] system_admin: bool,
) -> Result<String, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    let password = deploy::users::Password::new(password);
    let user = deploy::users::create_user(&cp, &actor, username.trim(), &password, system_admin).await?;
    Ok(user.username)
}

#[server(endpoint = "set_user_disabled")]
pub async fn set_user_disabled(username: String, disabled: bool) -> Result<(), ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    Ok(deploy::user_admin::set_disabled(&cp, &actor, &username, disabled).await?)
}

/// A system admin sets another account's password; that account's sessions end.
#[server(endpoint = "reset_password")]
pub async fn reset_password(username: String, password: String) -> Result<String, ConsoleError> {
    let (cp, actor) = crate::session::actor().await?;
    let password = deploy::users::Password::new(password);
    deploy::users::set_password(&cp, &actor, &username, &password).await?;
    Ok(username)
}

/// Everyone changes their own password, giving the current one; their other sessions end.
#[server(endpoint = "change_password")]
pub async fn change_password(current: String, password: String, repeat: String) -> Result<(), ConsoleError> {
    use deploy::users::Password;
    let (cp, actor) = crate::session::actor().await?;
    if password != repeat {
        return Err(ConsoleError::Refused(MISMATCH.into()));
    }
    deploy::user_admin::change_own_password(&cp, &actor, &Password::new(current), &Password::new(password))
        .await?;
    keep_this_session(&cp, actor.user.id).await
}

/// Signs this session in again with the account's current session key, so only the others end.
#[cfg(feature = "ssr")]
async fn keep_this_session(cp: &deploy::ControlPlane, id: i64) -> Result<(), ConsoleError> {
    let account = deploy::users::find_account(cp, id)
        .await?
        .ok_or(ConsoleError::SignedOut)?;
    let mut auth = crate::session::auth_session().await?;
    // A new id too: whoever holds a copy of this session's cookie (the reason to change a password, often)
    // is left with a dead one.
    auth.session
        .cycle_id()
        .await
        .map_err(|_| ConsoleError::Internal)?;
    auth.login(&crate::session::SignedIn(account))
        .await
        .map_err(|_| ConsoleError::Internal)
}

const MISMATCH: &str = "The new password and its repetition differ.";

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let disable = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let changed = (
        crate::refresh::successes(create),
        crate::refresh::successes(disable),
        crate::refresh::successes(reset),
    );
    let users = Resource::new(
        move || (changed.0.get(), changed.1.get(), changed.2.get()),
        |_| load_users(),
    );
    let me = SignedIn::expect();
    view! {
        <Title text="Users · Portico" />
        <h1>"Users"</h1>
        <p class="lead">"Accounts that sign in to this console. A disabled account signs in nowhere: its sessions end and its access tokens stop working."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading the users…"</p> }>
            {move || Suspend::new(async move {
                let myself = me.0.await.ok().flatten().map(|v| v.username).unwrap_or_default();
                match users.await {
                    Ok(list) => view! {
                        <UserTable users=list.clone() myself=myself.clone() disable />
                        <NewUser create />
                        <ResetPasswordForm users=list.into_iter().filter(|u| !u.username.eq_ignore_ascii_case(&myself)).collect() reset />
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <div aria-live="polite">
            {move || disable.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </div>
    }
}

#[component]
fn UserTable(
    users: Vec<UserSummary>,
    myself: String,
    disable: ServerAction<SetUserDisabled>,
) -> impl IntoView {
    view! {
        <table class="list" aria-label="Users">
            <thead>
                <tr>
                    <th scope="col">"Username"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"State"</th>
                    <th scope="col" class="minor">"Created"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {users.into_iter().map(|u| {
                    let own = u.username.eq_ignore_ascii_case(&myself);
                    let disabled = u.disabled_at.is_some();
                    let state = match &u.disabled_at {
                        Some(at) => format!("Disabled since {}", at.get(..10).unwrap_or(at)),
                        None => "Active".to_owned(),
                    };
                    let (verb, label) = if disabled { ("Enable", format!("Enable {}", u.username)) } else { ("Disable", format!("Disable {}", u.username)) };
                    view! {
                        <tr class=disabled.then_some("failed")>
                            <td class="name">{u.username.clone()}{own.then(|| view! { <span class="badge">"you"</span> })}</td>
                            <td>{if u.system_admin { "System admin" } else { "User" }}</td>
                            <td>{state}</td>
                            <td class="minor">{u.created_at.get(..10).unwrap_or_default().to_owned()}</td>
                            <td>
                                {(!own).then(|| view! {
                                    <ActionForm action=disable>
                                        <input type="hidden" name="username" value=u.username.clone() />
                                        <input type="hidden" name="disabled" value=(!disabled).to_string() />
                                        <button type="submit" class="link" aria-label=label disabled=move || disable.pending().get()>{verb}</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn NewUser(create: ServerAction<CreateUser>) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (create.value().get(), form.get()) {
            form.reset();
        }
    });
    view! {
        <section class="card" aria-labelledby="new-user-title">
            <h2 id="new-user-title">"New user"</h2>
            <ActionForm action=create node_ref=form>
                <div class="fields">
                    <div class="field">
                        <label for="new-username">"Username"</label>
                        <input id="new-username" name="username" required maxlength="64" autocomplete="off" />
                    </div>
                    <div class="field">
                        <label for="new-password">"Password"</label>
                        <input id="new-password" name="password" type="password" required minlength="8" autocomplete="new-password" />
                    </div>
                    <div class="field check">
                        <input id="new-system-admin" name="system_admin" value="true" type="checkbox" />
                        <label for="new-system-admin">"System admin"</label>
                    </div>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create user"</button>
                </div>
                <Outcome action=create done=|name| format!("User {name} created.") />
            </ActionForm>
        </section>
    }
}

#[component]
fn ResetPasswordForm(users: Vec<UserSummary>, reset: ServerAction<ResetPassword>) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (reset.value().get(), form.get()) {
            form.reset();
        }
    });
    view! {
        <section class="card" aria-labelledby="reset-title">
            <h2 id="reset-title">"Reset a password"</h2>
            <p class="reason">"The account's sessions end; it signs in again with the new password. Your own password changes on " <a href="/account">"Your account"</a> "."</p>
            <ActionForm action=reset node_ref=form>
                <div class="fields">
                    <div class="field">
                        <label for="reset-username">"User"</label>
                        <select id="reset-username" name="username">
                            {users.into_iter().map(|u| view! { <option value=u.username.clone()>{u.username.clone()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="reset-password">"New password"</label>
                        <input id="reset-password" name="password" type="password" required minlength="8" autocomplete="new-password" />
                    </div>
                    <button type="submit" disabled=move || reset.pending().get()>"Reset password"</button>
                </div>
                <Outcome action=reset done=|name| format!("The password of {name} is reset.") />
            </ActionForm>
        </section>
    }
}

/// What a form's action answered: a notice, or the error.
#[component]
fn Outcome<S>(action: ServerAction<S>, done: fn(String) -> String) -> impl IntoView
where
    S: leptos::server_fn::ServerFn<Output = String, Error = ConsoleError> + Clone + Send + Sync + 'static,
{
    move || {
        action.value().get().map(|answer| match answer {
            Ok(name) => view! { <p class="notice" role="status">{done(name)}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let me = SignedIn::expect();
    let form = NodeRef::<html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (change.value().get(), form.get()) {
            form.reset();
        }
    });
    // The browser checks the repetition before sending, as the server does.
    let mismatch = RwSignal::new(false);
    let check = move |ev: leptos::ev::SubmitEvent| {
        let Some(form) = form.get() else { return };
        let value = |name: &str| {
            form.elements()
                .named_item(name)
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok())
                .map(|i| i.value())
                .unwrap_or_default()
        };
        let differ = value("password") != value("repeat");
        mismatch.set(differ);
        if differ {
            ev.prevent_default();
        }
    };
    view! {
        <Title text="Your account · Portico" />
        <h1>"Your account"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                me.0.await.ok().flatten().map(|v| view! {
                    <p class="lead">"Signed in as " <strong>{v.username}</strong> "."</p>
                })
            })}
        </Suspense>
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Change your password"</h2>
            <p class="reason">"Your other sessions end: every other browser signed in as you signs in again."</p>
            <ActionForm action=change node_ref=form on:submit:capture=check>
                <div class="field">
                    <label for="current-password">"Current password"</label>
                    <input id="current-password" name="current" type="password" required autocomplete="current-password" />
                </div>
                <div class="fields">
                    <div class="field">
                        <label for="changed-password">"New password"</label>
                        <input id="changed-password" name="password" type="password" required minlength="8" autocomplete="new-password" />
                    </div>
                    <div class="field">
                        <label for="repeated-password">"New password again"</label>
                        <input id="repeated-password" name="repeat" type="password" required minlength="8" autocomplete="new-password"
                            aria-invalid=move || mismatch.get().to_string() aria-describedby="repeat-error" />
                        {move || mismatch.get().then(|| view! { <span id="repeat-error" class="field-error" role="alert">{MISMATCH}</span> })}
                    </div>
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
                </div>
                {move || change.value().get().map(|answer| match answer {
                    Ok(()) => view! { <p class="notice" role="status">"Your password is changed. Your other sessions have ended."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </ActionForm>
        </section>
    }
}
