// local placeholder so the package builds before the fuzzing tests land
