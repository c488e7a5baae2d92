Console.WriteLine("NasNet silo: not yet implemented");
