// The cluster tests start silos, Redis servers and processes: one at a time keeps them within 2 cores and keeps
// process-wide meters from overlapping.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
