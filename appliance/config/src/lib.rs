//! box-config
