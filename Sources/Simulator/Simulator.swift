// The Simulator layer.
