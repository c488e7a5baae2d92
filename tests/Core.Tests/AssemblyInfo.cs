// Torch's thread count and global generator are process-wide: tests that set them, or compare bit-exact results of
// concurrent trainings, must not run beside other test classes.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
