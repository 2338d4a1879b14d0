//! The device's identity: a random 64-bit id made once at `init`. It is also the Automerge actor of
//! every change the device writes, so each change names the device that made it, and the source of
//! the short code in provisional order numbers.

use data_encoding::BASE32_NOPAD;
use rand::RngCore;
use signoff_core::ids::DeviceId;

/// Who this device is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdentity {
    bytes: [u8; 8],
}

impl DeviceIdentity {
    /// A fresh random identity.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        DeviceIdentity { bytes }
    }

    /// Parse the hex form stored in the store.
    pub fn from_hex(s: &str) -> Option<Self> {
        let v = data_encoding::HEXLOWER_PERMISSIVE.decode(s.as_bytes()).ok()?;
        Some(DeviceIdentity { bytes: v.try_into().ok()? })
    }

    /// The id (16 lowercase hex digits).
    pub fn id(&self) -> DeviceId {
        DeviceId::new(data_encoding::HEXLOWER.encode(&self.bytes))
    }

    /// The Automerge actor of this device's changes.
    pub fn actor(&self) -> automerge::ActorId {
        automerge::ActorId::from(&self.bytes[..])
    }

    /// Six letters and digits (base32) that start this device's provisional numbers.
    pub fn short_code(&self) -> String {
        BASE32_NOPAD.encode(&self.bytes).chars().take(6).collect()
    }
}
