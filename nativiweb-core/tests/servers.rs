//! The test servers of `nativiweb_core::testing::LocalServer` start, answer and stop.

use std::io::{Read, Write};
use std::net::TcpStream;

use nativiweb_core::testing::LocalServer;

#[test]
fn redis_answers_ping_and_is_gone_after_drop() {
    let Some(mut redis) = LocalServer::redis() else {
        return;
    };
    let ping = |port: u16| -> std::io::Result<String> {
        let mut s = TcpStream::connect(("127.0.0.1", port))?;
        s.write_all(b"PING\r\n")?;
        let mut buf = [0u8; 16];
        let n = s.read(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    assert_eq!(ping(redis.port()).unwrap(), "+PONG\r\n");
    redis.restart();
    assert_eq!(ping(redis.port()).unwrap(), "+PONG\r\n");
    let port = redis.port();
    drop(redis);
    assert!(ping(port).is_err(), "redis still answers after drop");
}

#[test]
fn s3_server_answers_http() {
    let Some(s3) = LocalServer::s3() else { return };
    let mut s = TcpStream::connect(("127.0.0.1", s3.port())).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1."), "{out}");
    assert!(out.contains("ListAllMyBucketsResult"), "{out}");
}
