global using NasNet.Grains.Interfaces;
global using Orleans.Concurrency;
