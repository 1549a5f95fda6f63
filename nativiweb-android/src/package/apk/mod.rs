//! The APK encoders: Android's binary XML ([`axml`]) and binary resource table ([`arsc`]).

pub mod arsc;
pub mod axml;
