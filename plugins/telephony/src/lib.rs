//! # telephony plugin
//!
//! Asterisk queue_log reports. (Being built.)
