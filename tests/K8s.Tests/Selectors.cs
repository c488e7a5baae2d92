using k8s.Models;

namespace NasNet.K8s.Tests;

/// <summary>Kubernetes label selector semantics (matchLabels AND matchExpressions) and env helpers.</summary>
public static class Selectors
{
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            return false;
        }
        labels ??= new Dictionary<string, string>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }
        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(requirement.Key, out var actual);
            var ok = requirement.OperatorProperty switch
            {
                "In" => has && requirement.Values.Contains(actual!),
                "NotIn" => !has || !requirement.Values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => throw new NotSupportedException(requirement.OperatorProperty),
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    public static bool Matches(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        Matches(new V1LabelSelector { MatchLabels = selector }, labels);

    public static V1EnvVar Env(V1Container container, string name) => container.Env.Single(e => e.Name == name);

    public static string EnvValue(V1Container container, string name) => Env(container, name).Value;

    /// <summary>The container port a probe or Service names (by name or number).</summary>
    public static int ResolvePort(V1Container container, IntOrString port) =>
        int.TryParse(port.Value, out var number) ? number : container.Ports.Single(p => p.Name == port.Value).ContainerPort;
}
