//! Points on the Earth and great-circle distance.

/// Mean Earth radius in kilometres (IUGG), used for all great-circle distances.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A WGS84 point in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    /// A point, checked: latitude in [-90, 90], longitude in [-180, 180], both finite.
    pub fn new(lat: f64, lon: f64) -> Result<Self, String> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(format!("latitude {lat} is outside [-90, 90]"));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(format!("longitude {lon} is outside [-180, 180]"));
        }
        Ok(GeoPoint { lat, lon })
    }

    /// Great-circle (haversine) distance in kilometres.
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singapore_to_shenzhen_is_about_2600_km() {
        let sg = GeoPoint::new(1.3521, 103.8198).unwrap();
        let sz = GeoPoint::new(22.5431, 114.0579).unwrap();
        let d = sg.distance_km(&sz);
        assert!((2550.0..2650.0).contains(&d), "{d}");
    }

    #[test]
    fn rejects_out_of_range() {
        assert!(GeoPoint::new(91.0, 0.0).is_err());
        assert!(GeoPoint::new(0.0, f64::NAN).is_err());
    }
}
