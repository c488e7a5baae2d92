using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace NasNet.K8s.Tests.Kustomize;

/// <summary>
/// KEDA <c>keda.sh/v1alpha1</c> ScaledObject: the fields KEDA 2.x documents, nothing else, so that a strict parse
/// (<see cref="Parse"/>) rejects a misspelt field the way the API server's schema would.
/// </summary>
public sealed class ScaledObject
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public ObjectMeta Metadata { get; set; } = new();
    public ScaledObjectSpec Spec { get; set; } = new();

    public static ScaledObject Parse(string yaml) =>
        new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<ScaledObject>(yaml);
}

/// <summary>Object metadata as written in manifests.</summary>
public sealed class ObjectMeta
{
    public string Name { get; set; } = "";
    public string? Namespace { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>ScaledObject spec.</summary>
public sealed class ScaledObjectSpec
{
    public ScaleTargetRef ScaleTargetRef { get; set; } = new();
    public int? PollingInterval { get; set; }
    public int? CooldownPeriod { get; set; }
    public int? InitialCooldownPeriod { get; set; }
    public int? IdleReplicaCount { get; set; }
    public int? MinReplicaCount { get; set; }
    public int? MaxReplicaCount { get; set; }
    public AdvancedConfig? Advanced { get; set; }
    public List<ScaleTrigger> Triggers { get; set; } = [];
}

/// <summary>The workload KEDA scales.</summary>
public sealed class ScaleTargetRef
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string Name { get; set; } = "";
    public string? EnvSourceContainerName { get; set; }
}

/// <summary>spec.advanced.</summary>
public sealed class AdvancedConfig
{
    public bool? RestoreToOriginalReplicaCount { get; set; }
    public HpaConfig? HorizontalPodAutoscalerConfig { get; set; }
}

/// <summary>spec.advanced.horizontalPodAutoscalerConfig.</summary>
public sealed class HpaConfig
{
    public string? Name { get; set; }
    public HpaBehavior? Behavior { get; set; }
}

/// <summary>The HPA v2 behavior block.</summary>
public sealed class HpaBehavior
{
    public HpaScalingRules? ScaleUp { get; set; }
    public HpaScalingRules? ScaleDown { get; set; }
}

/// <summary>HPA v2 scaling rules.</summary>
public sealed class HpaScalingRules
{
    public int? StabilizationWindowSeconds { get; set; }
    public string? SelectPolicy { get; set; }
    public List<HpaScalingPolicy>? Policies { get; set; }
}

/// <summary>HPA v2 scaling policy.</summary>
public sealed class HpaScalingPolicy
{
    public string Type { get; set; } = "";
    public int Value { get; set; }
    public int PeriodSeconds { get; set; }
}

/// <summary>One KEDA trigger (scaler) with its scaler-specific metadata.</summary>
public sealed class ScaleTrigger
{
    public string Type { get; set; } = "";
    public string? Name { get; set; }
    public string? MetricType { get; set; }
    public bool? UseCachedMetrics { get; set; }
    public Dictionary<string, string> Metadata { get; set; } = [];
    public Dictionary<string, string>? AuthenticationRef { get; set; }
}
