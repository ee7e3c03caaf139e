//! The routing algorithms by the names the REST API and both routing forms use.

use deploy::model::RoutingAlgorithm;

pub const ALGORITHMS: [(&str, RoutingAlgorithm); 6] = [
    ("ROUND_ROBIN", RoutingAlgorithm::RoundRobin),
    ("WEIGHTED_ROUND_ROBIN", RoutingAlgorithm::WeightedRoundRobin),
    ("LEAST_CONNECTIONS", RoutingAlgorithm::LeastConnections),
    ("RANDOM", RoutingAlgorithm::Random),
    ("IP_HASH", RoutingAlgorithm::IpHash),
    ("URL_HASH", RoutingAlgorithm::UrlHash),
];

pub fn algorithm_name(algorithm: RoutingAlgorithm) -> &'static str {
    ALGORITHMS
        .iter()
        .find(|(_, a)| *a == algorithm)
        .map(|(n, _)| *n)
        .unwrap_or("ROUND_ROBIN")
}
