//! Who the client is, by address: the TCP peer, or — only when the peer is one of
//! `[server] trusted_proxies` — the address the proxies name in the one header they
//! write (`[server] forwarded_header`: `X-Forwarded-For` or `Forwarded`). Anyone can send
//! those headers, so from any other peer they are ignored, and the other header is
//! ignored always (a proxy passes on what the client wrote in it); every per-address
//! limit counts the address this module returns.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::error::ConfigError;

/// The proxies whose forwarding header is believed, and which header that is.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    forwarded: bool,
}

impl TrustedProxies {
    /// Parses CIDRs ("10.0.0.0/8") or single addresses ("127.0.0.1"), and the name of
    /// the header the proxies write (`x-forwarded-for` or `forwarded`).
    pub fn parse(entries: &[String], header: &str) -> Result<Self, ConfigError> {
        let forwarded = match header.to_ascii_lowercase().as_str() {
            "x-forwarded-for" => false,
            "forwarded" => true,
            _ => return Err(ConfigError::ForwardedHeader(header.to_owned())),
        };
        let nets = entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| ConfigError::TrustedProxy(entry.to_owned()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { nets, forwarded })
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: `peer`, or if `peer` is a trusted proxy, the nearest
    /// address in its forwarding chain that is not itself a trusted proxy.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.ip().to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_for(headers, self.forwarded);
        let mut client = peer;
        for hop in chain.iter().rev() {
            match hop {
                Some(ip) if self.trusts(*ip) => client = *ip,
                Some(ip) => return *ip,
                // An address the proxy could not or would not name: the last proxy
                // that named one is as close to the client as anyone can tell.
                None => return client,
            }
        }
        client
    }
}

/// The `for` addresses of `Forwarded` (RFC 7239) or of `X-Forwarded-For`, nearest the
/// client first; `None` for an entry that is not an address.
fn forwarded_for(headers: &HeaderMap, forwarded: bool) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|entry| entry.trim().to_owned())
            .collect()
    };
    if forwarded {
        return values("forwarded")
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| parse_node(value.trim().trim_matches('"')))
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .map(|entry| parse_node(entry))
        .collect()
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse::<IpAddr>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn peer(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 5000)
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let trusted = ["10.0.0.0/8".to_string(), "192.0.2.9".to_string()];
        let proxies = TrustedProxies::parse(&trusted, "X-Forwarded-For").unwrap();
        let forged = headers(&[("x-forwarded-for", "203.0.113.5")]);
        assert_eq!(proxies.client(peer("198.51.100.1"), &forged), "198.51.100.1".parse::<IpAddr>().unwrap());
        assert_eq!(proxies.client(peer("10.1.2.3"), &forged), "203.0.113.5".parse::<IpAddr>().unwrap());
        // A client may prepend anything; the nearest untrusted hop is the client.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.5, 10.9.9.9")]);
        assert_eq!(proxies.client(peer("192.0.2.9"), &chain), "203.0.113.5".parse::<IpAddr>().unwrap());
        // Only the header the proxy writes counts: a client's own `Forwarded` passed
        // through an X-Forwarded-For proxy is ignored, and the other way round.
        let both = headers(&[
            ("forwarded", r#"for=198.51.100.7;proto=https, for="[2001:db8:cafe::17]:4711""#),
            ("x-forwarded-for", "203.0.113.5"),
        ]);
        assert_eq!(proxies.client(peer("10.0.0.1"), &both), "203.0.113.5".parse::<IpAddr>().unwrap());
        let rfc = TrustedProxies::parse(&trusted, "forwarded").unwrap();
        assert_eq!(rfc.client(peer("10.0.0.1"), &both), "2001:db8:cafe::17".parse::<IpAddr>().unwrap());
        let hidden = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(rfc.client(peer("10.0.0.1"), &hidden), "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(proxies.client(peer("10.0.0.1"), &HeaderMap::new()), "10.0.0.1".parse::<IpAddr>().unwrap());
        assert!(matches!(
            TrustedProxies::parse(&["10.0.0.0/33".into()], "x-forwarded-for"),
            Err(ConfigError::TrustedProxy(_))
        ));
        assert!(matches!(
            TrustedProxies::parse(&trusted, "x-real-ip"),
            Err(ConfigError::ForwardedHeader(_))
        ));
    }
}
