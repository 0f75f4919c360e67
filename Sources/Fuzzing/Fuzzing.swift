// The Fuzzing layer.
