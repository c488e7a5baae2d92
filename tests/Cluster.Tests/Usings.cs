global using NasNet.Grains.Interfaces;
