//! Properties of the routing algorithms over random weights, backend sets and keys (proptest): weighted round
//! robin hands out exactly the weights over each cycle, round robin is exactly even, hashing is the same on
//! every node and moves only the keys of a backend that leaves, and no algorithm picks an excluded backend.

use deploy::model::{Routing, RoutingAddress, RoutingAlgorithm};
use gateway::balance::{Balancer, Key};
use proptest::prelude::*;

fn routing(algorithm: RoutingAlgorithm, weights: &[u32], hosts: &[u8]) -> Routing {
    Routing {
        algorithm,
        address_list: weights
            .iter()
            .zip(hosts)
            .map(|(&weight, host)| RoutingAddress {
                address: format!("http://10.1.0.{host}:8080/"),
                weight,
                soap_type: None,
            })
            .collect(),
    }
}

fn pick(b: &Balancer, key: &str, exclude: Option<usize>) -> usize {
    b.pick(
        &Key {
            client_ip: key,
            path_and_query: key,
        },
        exclude,
    )
    .unwrap()
}

/// Distinct hosts, one per backend.
fn backends() -> impl Strategy<Value = (Vec<u32>, Vec<u8>)> {
    (1..8usize).prop_flat_map(|n| {
        (
            proptest::collection::vec(1..20u32, n),
            Just(0..n as u8)
                .prop_map(|r| r.collect::<Vec<u8>>())
                .prop_shuffle(),
        )
    })
}

proptest! {
    // Failures print their shrunk input; no regressions file is kept beside the test.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn weighted_round_robin_gives_each_backend_its_weight_every_cycle((weights, hosts) in backends(), cycles in 1..4usize) {
        let b = Balancer::new(&routing(RoutingAlgorithm::WeightedRoundRobin, &weights, &hosts));
        let total: usize = weights.iter().map(|&w| w as usize).sum();
        let mut counts = vec![0usize; weights.len()];
        for _ in 0..total * cycles {
            counts[pick(&b, "", None)] += 1;
        }
        let expected: Vec<usize> = weights.iter().map(|&w| w as usize * cycles).collect();
        prop_assert_eq!(counts, expected);
    }

    #[test]
    fn round_robin_is_exactly_even((weights, hosts) in backends(), rounds in 1..5usize) {
        let b = Balancer::new(&routing(RoutingAlgorithm::RoundRobin, &weights, &hosts));
        let mut counts = vec![0usize; weights.len()];
        for _ in 0..weights.len() * rounds {
            counts[pick(&b, "", None)] += 1;
        }
        prop_assert!(counts.iter().all(|&c| c == rounds), "{:?}", counts);
    }

    #[test]
    fn hashing_is_the_same_on_every_node_and_moves_only_a_leaving_backends_keys(
        (weights, hosts) in backends(),
        keys in proptest::collection::vec("[a-z0-9/?=&.]{0,24}", 1..64),
        leaving in any::<proptest::sample::Index>(),
        by_ip in any::<bool>(),
    ) {
        let algorithm = if by_ip { RoutingAlgorithm::IpHash } else { RoutingAlgorithm::UrlHash };
        let here = Balancer::new(&routing(algorithm, &weights, &hosts));
        let there = Balancer::new(&routing(algorithm, &weights, &hosts));
        let gone = leaving.index(weights.len());
        let mut fewer_weights = weights.clone();
        let mut fewer_hosts = hosts.clone();
        fewer_weights.remove(gone);
        fewer_hosts.remove(gone);
        for key in &keys {
            let chosen = pick(&here, key, None);
            prop_assert_eq!(chosen, pick(&there, key, None), "another node disagrees on {:?}", key);
            prop_assert_eq!(chosen, pick(&here, key, None), "the same node changed its mind on {:?}", key);
            if fewer_hosts.is_empty() {
                continue;
            }
            let fewer = Balancer::new(&routing(algorithm, &fewer_weights, &fewer_hosts));
            let after = hosts.iter().position(|h| *h == fewer_hosts[pick(&fewer, key, None)]).unwrap();
            if chosen != gone {
                prop_assert_eq!(after, chosen, "{:?} moved though its backend stayed", key);
            }
        }
    }

    #[test]
    fn no_algorithm_picks_the_excluded_backend(
        (weights, hosts) in backends(),
        algorithm in prop_oneof![
            Just(RoutingAlgorithm::RoundRobin),
            Just(RoutingAlgorithm::WeightedRoundRobin),
            Just(RoutingAlgorithm::LeastConnections),
            Just(RoutingAlgorithm::Random),
            Just(RoutingAlgorithm::IpHash),
            Just(RoutingAlgorithm::UrlHash),
        ],
        excluded in any::<proptest::sample::Index>(),
        key in "[a-z0-9]{0,12}",
    ) {
        let b = Balancer::new(&routing(algorithm, &weights, &hosts));
        let excluded = excluded.index(weights.len());
        for _ in 0..20 {
            match b.pick(&Key { client_ip: &key, path_and_query: &key }, Some(excluded)) {
                Some(i) => prop_assert!(i != excluded && i < weights.len()),
                None => prop_assert_eq!(weights.len(), 1, "only a lone backend leaves nothing to pick"),
            }
        }
    }
}
