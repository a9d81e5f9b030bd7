//! The QAT quantizer: float shadow weights onto the model's 2-bit set {-2,-1,0,+1} (spec §2) and
//! float shadow biases onto int16, with a straight-through estimator (STE) for the gradient.
//!
//! Scale. The integer engine has no per-layer multiplier: a layer is `acc = b + Σ w·x`,
//! `y = acc >> 2` (spec §6). So the shadow weights live directly in integer units (scale 1 for
//! every layer) and the quantizer is `q(w) = 0 if |w| < t, else clamp(round(w), -2, 1)`, where the
//! dead zone `t ≥ 0.5` is chosen per layer by the sparsity target (the `s`-quantile of |w|).
//! During the progressive phase the effective weight is `w_c + α·(q(w) − w_c)` with
//! `w_c = clamp(w, -2, 1)`; at α = 1 the float forward uses exactly the integer weights.
//! The STE passes the gradient through unchanged inside the clip range [-2.5, 1.5] and stops it
//! outside, where the shadow weight is also clamped after each step.

/// Lowest and highest shadow weight; outside this range the gradient is stopped.
pub const CLIP: (f32, f32) = (-2.5, 1.5);

/// The 2-bit value of one shadow weight for dead zone `t`.
pub fn quantize(w: f32, t: f32) -> i8 {
    if w.abs() < t {
        0
    } else {
        w.round().clamp(-2.0, 1.0) as i8
    }
}

/// The int16 value of a shadow bias.
pub fn quantize_bias(b: f32) -> i16 {
    b.round().clamp(-32768.0, 32767.0) as i16
}

/// The dead zone that makes about `sparsity` of the weights zero (never below 0.5, plain rounding).
pub fn dead_zone(w: &[f32], sparsity: f32) -> f32 {
    if sparsity <= 0.0 || w.is_empty() {
        return 0.5;
    }
    let mut a: Vec<f32> = w.iter().map(|v| v.abs()).collect();
    let k = ((sparsity.min(1.0) * a.len() as f32) as usize).min(a.len() - 1);
    let (_, v, _) = a.select_nth_unstable_by(k, f32::total_cmp);
    v.max(0.5)
}

/// Effective (forward) weights for progress `alpha` in [0, 1].
pub fn effective(w: &[f32], t: f32, alpha: f32, out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(w) {
        let c = v.clamp(-2.0, 1.0);
        *o = c + alpha * (f32::from(quantize(v, t)) - c);
    }
}

/// The STE gradient mask: 1 inside the clip range, 0 outside.
pub fn ste(w: f32) -> f32 {
    if (CLIP.0..=CLIP.1).contains(&w) {
        1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantizer_maps_onto_two_bit_set() {
        let cases = [
            (-3.0, -2),
            (-1.6, -2),
            (-1.4, -1),
            (-0.51, -1),
            (-0.49, 0),
            (0.3, 0),
            (0.5, 1),
            (0.9, 1),
            (1.7, 1),
            (9.0, 1),
        ];
        for (w, q) in cases {
            assert_eq!(quantize(w, 0.5), q, "w = {w}");
        }
        assert_eq!(quantize(0.9, 1.0), 0, "dead zone widens with sparsity");
        assert_eq!(quantize_bias(-3.5), -4);
        assert_eq!(quantize_bias(1e9), 32767);
    }

    #[test]
    fn progressive_effective_weights_and_dead_zone() {
        let w = [-1.7, -0.2, 0.4, 0.8, 2.0];
        let mut e = [0.0; 5];
        effective(&w, 0.5, 0.0, &mut e);
        assert_eq!(e, [-1.7, -0.2, 0.4, 0.8, 1.0]);
        effective(&w, 0.5, 1.0, &mut e);
        assert_eq!(e, [-2.0, 0.0, 0.0, 1.0, 1.0]);
        effective(&w, 0.5, 0.5, &mut e);
        assert!((e[0] + 1.85).abs() < 1e-6 && (e[3] - 0.9).abs() < 1e-6);
        let many: Vec<f32> = (0..100).map(|i| i as f32 / 50.0 - 1.0).collect();
        let t = dead_zone(&many, 0.8);
        let zeros = many.iter().filter(|&&v| quantize(v, t) == 0).count();
        assert!((78..=82).contains(&zeros), "{zeros}");
        assert_eq!(dead_zone(&many, 0.0), 0.5);
        assert_eq!(ste(1.0), 1.0);
        assert_eq!(ste(-2.6), 0.0);
    }
}
