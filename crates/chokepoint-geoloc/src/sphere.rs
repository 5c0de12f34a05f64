//! Spherical geometry on unit vectors: fast disc membership tests and the local grid used to
//! sample a region.
//!
//! Points are unit vectors (x toward lat 0/lon 0, z toward the north pole); a disc of radius
//! `r` km around `c` holds `p` exactly when `p·c >= cos(r / R)`, a dot product instead of a
//! haversine, which is what makes sampling 100k regions per run affordable.

use chokepoint_core::geo::EARTH_RADIUS_KM;
use chokepoint_core::GeoPoint;

/// Half the Earth's circumference: no two points are farther apart.
pub const MAX_DISTANCE_KM: f64 = std::f64::consts::PI * EARTH_RADIUS_KM;

/// A unit vector in Earth-centred coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vec3 {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl Vec3 {
    /// The unit vector of a geographic point.
    pub fn from_point(p: GeoPoint) -> Vec3 {
        let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
        Vec3 {
            x: lat.cos() * lon.cos(),
            y: lat.cos() * lon.sin(),
            z: lat.sin(),
        }
    }

    /// Back to latitude/longitude in degrees (longitude in [-180, 180]).
    pub fn to_point(self) -> GeoPoint {
        let lat = self.z.clamp(-1.0, 1.0).asin().to_degrees();
        let lon = if self.x == 0.0 && self.y == 0.0 {
            0.0
        } else {
            self.y.atan2(self.x).to_degrees()
        };
        GeoPoint { lat, lon }
    }

    pub fn dot(self, o: Vec3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    fn scale(self, k: f64) -> Vec3 {
        Vec3 {
            x: self.x * k,
            y: self.y * k,
            z: self.z * k,
        }
    }

    fn add(self, o: Vec3) -> Vec3 {
        Vec3 {
            x: self.x + o.x,
            y: self.y + o.y,
            z: self.z + o.z,
        }
    }

    /// Great-circle distance in km to another unit vector.
    pub fn distance_km(self, o: Vec3) -> f64 {
        // atan2 of |cross| and dot is accurate at every distance, unlike acos near 0.
        let cx = self.y * o.z - self.z * o.y;
        let cy = self.z * o.x - self.x * o.z;
        let cz = self.x * o.y - self.y * o.x;
        let cross = (cx * cx + cy * cy + cz * cz).sqrt();
        cross.atan2(self.dot(o)) * EARTH_RADIUS_KM
    }
}

/// A spherical cap: every point within `radius_km` of `center`.
#[derive(Debug, Clone, Copy)]
pub struct Cap {
    pub center: Vec3,
    pub radius_km: f64,
    /// cos(radius / R); a point is inside when its dot product with `center` is at least this.
    cos_radius: f64,
}

impl Cap {
    pub fn new(center: Vec3, radius_km: f64) -> Cap {
        let r = radius_km.clamp(0.0, MAX_DISTANCE_KM);
        Cap {
            center,
            radius_km: r,
            cos_radius: (r / EARTH_RADIUS_KM).cos(),
        }
    }

    /// This cap grown by `margin_km`.
    pub fn grown(&self, margin_km: f64) -> Cap {
        Cap::new(self.center, self.radius_km + margin_km)
    }

    pub fn contains(&self, p: Vec3) -> bool {
        self.center.dot(p) >= self.cos_radius
    }
}

/// The local frame at a point: the point itself and its north and east unit tangents. Points at
/// plane coordinates (east x, north y) in km map to the sphere by the azimuthal equidistant
/// projection: distance from the centre is exact, and tangential spacing only shrinks, so a
/// square grid of spacing `s` in the plane is at least as dense as `s` on the sphere.
#[derive(Debug, Clone, Copy)]
pub struct LocalFrame {
    center: Vec3,
    north: Vec3,
    east: Vec3,
}

impl LocalFrame {
    pub fn at(center: Vec3) -> LocalFrame {
        let p = center.to_point();
        let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
        let east = Vec3 {
            x: -lon.sin(),
            y: lon.cos(),
            z: 0.0,
        };
        let north = Vec3 {
            x: -lat.sin() * lon.cos(),
            y: -lat.sin() * lon.sin(),
            z: lat.cos(),
        };
        LocalFrame {
            center,
            north,
            east,
        }
    }

    /// The point `east_km`, `north_km` away in the azimuthal equidistant plane.
    pub fn point(&self, east_km: f64, north_km: f64) -> Vec3 {
        let rho = (east_km * east_km + north_km * north_km).sqrt();
        if rho == 0.0 {
            return self.center;
        }
        let angle = rho / EARTH_RADIUS_KM;
        let dir = self
            .north
            .scale(north_km / rho)
            .add(self.east.scale(east_km / rho));
        self.center.scale(angle.cos()).add(dir.scale(angle.sin()))
    }

    /// The point at `distance_km` along the bearing `bearing_deg` (clockwise from north).
    pub fn along(&self, bearing_deg: f64, distance_km: f64) -> Vec3 {
        let b = bearing_deg.to_radians();
        self.point(distance_km * b.sin(), distance_km * b.cos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint::new(lat, lon).expect("valid test point")
    }

    #[test]
    fn vector_distance_matches_haversine() {
        let a = p(1.3521, 103.8198);
        let b = p(22.5431, 114.0579);
        let d = Vec3::from_point(a).distance_km(Vec3::from_point(b));
        assert!((d - a.distance_km(&b)).abs() < 1e-6, "{d}");
    }

    #[test]
    fn local_frame_keeps_distances_and_bearings() {
        let c = p(3.139, 101.687);
        let f = LocalFrame::at(Vec3::from_point(c));
        let north = f.along(0.0, 1000.0).to_point();
        assert!((north.lon - c.lon).abs() < 1e-9);
        assert!((c.distance_km(&north) - 1000.0).abs() < 1e-6);
        let east = f.along(90.0, 500.0);
        assert!((Vec3::from_point(c).distance_km(east) - 500.0).abs() < 1e-6);
        assert!(east.to_point().lon > c.lon);
    }

    #[test]
    fn cap_membership() {
        let c = Cap::new(Vec3::from_point(p(0.0, 0.0)), 1000.0);
        let f = LocalFrame::at(c.center);
        assert!(c.contains(f.along(45.0, 999.0)));
        assert!(!c.contains(f.along(45.0, 1001.0)));
        assert!(c.grown(2.0).contains(f.along(45.0, 1001.0)));
    }
}
