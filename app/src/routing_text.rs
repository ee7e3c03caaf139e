//! Routing as a person types it: the algorithm names, and addresses one a line (`URL [weight]
//! [SOAP11|SOAP12]`), shared by the import form and the API proxy form.

use deploy::model::{RoutingAddress, RoutingAlgorithm, SoapType};

pub const ALGORITHMS: [(&str, RoutingAlgorithm); 6] = [
    ("ROUND_ROBIN", RoutingAlgorithm::RoundRobin),
    ("WEIGHTED_ROUND_ROBIN", RoutingAlgorithm::WeightedRoundRobin),
    ("LEAST_CONNECTIONS", RoutingAlgorithm::LeastConnections),
    ("RANDOM", RoutingAlgorithm::Random),
    ("IP_HASH", RoutingAlgorithm::IpHash),
    ("URL_HASH", RoutingAlgorithm::UrlHash),
];

/// One address a line: `URL [weight] [SOAP11|SOAP12]`.
pub fn parse_addresses(text: &str) -> Result<Option<Vec<RoutingAddress>>, String> {
    let mut list = Vec::new();
    for (n, line) in text
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
    {
        let mut parts = line.split_whitespace();
        let address = parts.next().unwrap_or_default().to_owned();
        let mut weight = 1;
        let mut soap_type = None;
        for part in parts {
            match part {
                "SOAP11" => soap_type = Some(SoapType::Soap11),
                "SOAP12" => soap_type = Some(SoapType::Soap12),
                w => {
                    weight = w
                        .parse()
                        .map_err(|_| format!("Line {}: “{w}” is not a weight or SOAP11/SOAP12.", n + 1))?
                }
            }
        }
        list.push(RoutingAddress {
            address,
            weight,
            soap_type,
        });
    }
    Ok((!list.is_empty()).then_some(list))
}

/// The addresses as the text area shows them.
pub fn format_addresses(list: &[RoutingAddress]) -> String {
    list.iter()
        .map(|a| {
            let soap = match a.soap_type {
                Some(SoapType::Soap11) => " SOAP11",
                Some(SoapType::Soap12) => " SOAP12",
                None => "",
            };
            format!("{} {}{soap}", a.address, a.weight)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn algorithm_name(algorithm: RoutingAlgorithm) -> &'static str {
    ALGORITHMS
        .iter()
        .find(|(_, a)| *a == algorithm)
        .map(|(n, _)| *n)
        .unwrap_or("ROUND_ROBIN")
}
