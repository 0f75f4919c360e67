// The URPC layer.
