//! farm CLI tests (written below)
