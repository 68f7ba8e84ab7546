//! Who may reach the API, and from where: the browser origins allowed to call it (CORS), the host pages
//! allowed to embed the frame mode's page, the operators' token, and how long a secret must be.

pub mod addresses;
pub mod admin;
pub mod cors;
pub mod frame;
pub mod secrets;
