// The Lifecycle layer.
