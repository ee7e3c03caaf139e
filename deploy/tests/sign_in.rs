//! The sign-in limit, through `users::sign_in` as the console calls it, on the backend this run tests: bursts
//! are refused (how a bucket drains is `sign_in_limit`'s unit test), an address spraying accounts is slowed, a success empties the account's bucket,
//! and two control planes on one database (two replicas) count the same failures.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use deploy::sign_in_limit::Policy;
use deploy::users::{self, Password};
use deploy::{ControlPlane, Error};

const HOME: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
const AWAY: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
/// An address of its own, so the address bucket stays out of the account bucket's way.
const OFFICE: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)));
/// Long beside the attempts themselves (each verifies a password hash, slowly in a debug build on a busy
/// machine), so a bucket filled here is still full when checked; draining is the unit test's to show.
const DRAIN: Duration = Duration::from_secs(60);

fn quick(cp: ControlPlane) -> ControlPlane {
    cp.with_sign_in_policy(Policy {
        account_burst: 3,
        account_drain: DRAIN,
        address_burst: 5,
        address_drain: DRAIN,
    })
}

async fn attempt(cp: &ControlPlane, name: &str, password: &str, from: Option<IpAddr>) -> Result<(), Error> {
    users::sign_in(cp, name, &Password::new(password), from)
        .await
        .map(|_| ())
}

fn refused(r: Result<(), Error>) -> bool {
    matches!(r, Err(Error::TooManyAttempts { .. }))
}

#[tokio::test]
async fn a_burst_is_refused_and_the_user_elsewhere_signs_in() {
    let (cp, _db) = common::fresh().await;
    let cp = quick(cp);
    common::user(&cp, "alice", false).await;
    for _ in 0..3 {
        assert!(matches!(
            attempt(&cp, "alice", "wrong", HOME).await,
            Err(Error::BadCredentials)
        ));
    }
    assert!(refused(
        attempt(&cp, "alice", "correct horse battery", HOME).await
    ));
    assert!(
        refused(attempt(&cp, "ALICE", "wrong", HOME).await),
        "names are matched without case"
    );
    assert!(attempt(&cp, "alice", "correct horse battery", AWAY).await.is_ok());
}

#[tokio::test]
async fn an_address_spraying_many_accounts_is_slowed_and_a_success_empties_the_account_bucket() {
    let (cp, _db) = common::fresh().await;
    let cp = quick(cp);
    common::user(&cp, "alice", false).await;
    for n in 0..5 {
        let _ = attempt(&cp, &format!("user{n}"), "wrong", HOME).await;
    }
    assert!(refused(attempt(&cp, "someone-else", "wrong", HOME).await));
    assert!(!refused(attempt(&cp, "someone-else", "wrong", AWAY).await));

    for _ in 0..2 {
        let _ = attempt(&cp, "alice", "wrong", OFFICE).await;
    }
    assert!(attempt(&cp, "alice", "correct horse battery", OFFICE)
        .await
        .is_ok());
    for _ in 0..2 {
        let _ = attempt(&cp, "alice", "wrong", OFFICE).await;
    }
    assert!(
        !refused(attempt(&cp, "alice", "wrong", OFFICE).await),
        "the success emptied the bucket"
    );
}

#[tokio::test]
async fn two_replicas_count_the_same_failures() {
    let (a, db) = common::fresh().await;
    let a = quick(a);
    let b = quick(ControlPlane::open(&db.url).await.unwrap());
    common::user(&a, "alice", false).await;
    for replica in [&a, &b, &a] {
        let _ = attempt(replica, "alice", "wrong", HOME).await;
    }
    assert!(refused(attempt(&b, "alice", "correct horse battery", HOME).await));
    assert!(refused(attempt(&a, "alice", "correct horse battery", HOME).await));
}
