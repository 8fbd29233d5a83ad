# Runs poseidon-ts itself on a Nomad cluster, with the `nomad` backend: runners are Nomad jobs, environments are kept
# in Nomad Variables. Exactly one instance: the controller has no leader election, so two instances against the same
# cluster would fight over the same jobs.
#
# Secrets live in a Nomad Variable the job may read (the job's own path needs no extra ACL policy):
#
#   nomad var put nomad/jobs/poseidon server_token=<token CodeOcean and the CLI send> nomad_token=<ACL token>
#   nomad job run -var image=<registry>/poseidon-ts:<version> poseidon.nomad.hcl
#
# The ACL token needs: submit-job, read-job, alloc-exec, alloc-lifecycle and list-jobs in the runners' namespace,
# read on the event stream (Job, Allocation, Evaluation topics), and variables read/write/list under poseidon/.

variable "image" {
  type        = string
  description = "Container image of poseidon-ts (its entry point is the poseidon CLI)."
}

variable "datacenters" {
  type        = list(string)
  default     = ["*"]
  description = "Datacenters the service may run in."
}

variable "runner_namespace" {
  type        = string
  default     = "default"
  description = "Nomad namespace of the template and runner jobs."
}

job "poseidon" {
  datacenters = var.datacenters
  type        = "service"

  group "poseidon" {
    count = 1

    update {
      max_parallel     = 1
      min_healthy_time = "10s"
      healthy_deadline = "2m"
      auto_revert      = true
    }

    network {
      port "http" {
        static = 7200
      }
    }

    service {
      name     = "poseidon"
      provider = "nomad"
      port     = "http"
      tags     = ["metrics"]

      # /api/v1/version needs no token and answers while the process serves requests. (/api/v1/health answers 503
      # while a pool is below its alert threshold, which is not a reason to replace this instance.)
      check {
        type     = "http"
        path     = "/api/v1/version"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "poseidon" {
      driver = "docker"

      config {
        image = var.image
        ports = ["http"]
        args  = ["serve"]
      }

      env {
        POSEIDON_BACKEND          = "nomad"
        POSEIDON_SERVER_ADDRESS   = "0.0.0.0"
        POSEIDON_SERVER_PORT      = "${NOMAD_PORT_http}"
        POSEIDON_NOMAD_ADDRESS    = "${attr.unique.network.ip-address}"
        POSEIDON_NOMAD_PORT       = "4646"
        POSEIDON_NOMAD_NAMESPACE  = var.runner_namespace
        POSEIDON_LOGGER_FORMATTER = "JSONFormatter"
        POSEIDON_LOGGER_LEVEL     = "info"
      }

      template {
        destination = "${NOMAD_SECRETS_DIR}/poseidon.env"
        env         = true
        change_mode = "restart"
        data        = <<-EOT
          {{ with nomadVar "nomad/jobs/poseidon" -}}
          POSEIDON_SERVER_TOKEN={{ .server_token }}
          POSEIDON_NOMAD_TOKEN={{ .nomad_token }}
          {{- end }}
        EOT
      }

      resources {
        cpu    = 500
        memory = 512
      }
    }
  }
}
