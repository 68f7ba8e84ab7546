//! Who counts as one client for the rate limits and for learning from customers. An IPv4 address is one
//! client; an IPv6 client is given a whole /64 by its provider and can change the rest at will, so the
//! /64 is one client: otherwise one laptop could file tickets under a billion fresh allowances.

use std::net::IpAddr;

/// The key a client address is counted under: `ip:<v4 address>`, `ip:<first four groups>::/64` for
/// IPv6, or the text as given when it is not an address (what Cloudflare reports is always one).
pub fn client_key(address: &str) -> String {
    match address.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => format!("ip:{v4}"),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("ip:{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
        Err(_) => format!("ip:{}", address.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_network_is_one_client_and_ipv4_addresses_are_each_one() {
        assert_eq!(client_key("2001:db8:77:1::1"), "ip:2001:db8:77:1::/64");
        assert_eq!(client_key("2001:0db8:0077:0001:ffff:1:2:3"), "ip:2001:db8:77:1::/64");
        assert_ne!(client_key("2001:db8:77:2::1"), client_key("2001:db8:77:1::1"));
        assert_eq!(client_key("203.0.113.9"), "ip:203.0.113.9");
        assert_ne!(client_key("203.0.113.9"), client_key("203.0.113.10"));
        assert_eq!(client_key("::ffff:203.0.113.9"), "ip:203.0.113.9");
        assert_eq!(client_key("unknown"), "ip:unknown");
    }
}
