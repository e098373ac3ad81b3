"""Every error code of the project, with its class, HTTP status and retriability, as a literal
table: adding, moving or changing an error shows here in review. The generated reference
(``docs/reference/errors.md``) must match the classes too."""

from __future__ import annotations

from pathlib import Path

from hub import error_reference

# (code, class, HTTP status, retriable), by code.
ERRORS = [
    ("access_denied", "schemas.errors.AccessDenied", 403, False),
    ("admin_unit_column_missing", "connectors.errors.AdminUnitColumnMissing", 422, False),
    ("already_bootstrapped", "hub.services.access.AlreadyBootstrapped", 409, False),
    ("ambiguous_admin_unit", "schemas.admin_units._errors.AmbiguousAdminUnit", 422, False),
    ("api_error", "hub.cli.client.ApiError", 500, False),
    ("api_unreachable", "hub.cli.client.ApiUnreachable", 503, True),
    ("broker_unavailable", "hub.observability.readiness.BrokerUnavailable", 503, True),
    ("bus_error", "schemas.errors.BusError", 503, True),
    ("column_missing", "connectors.errors.ColumnMissing", 422, False),
    ("column_type_unsupported", "connectors.polling.watermark.UnsupportedValueType", 422, False),
    ("concurrent_update", "hub.store.contracts.ConcurrentUpdate", 409, True),
    ("configuration_error", "schemas.errors.ConfigurationError", 422, False),
    ("conflict", "schemas.errors.Conflict", 409, False),
    ("connector_exists", "hub.store.connectors.ConnectorExists", 409, False),
    ("connector_host_not_allowed", "hub.services.connector_targets.ConnectorHostNotAllowed", 422, False),
    ("connector_not_found", "hub.store.connectors.ConnectorNotFound", 404, False),
    ("consumer_group_busy", "bus.errors.GroupBusy", 409, True),
    ("contract_file_unreadable", "schemas.feeds.builtin.UnreadableContractFile", 422, False),
    ("contract_version_mismatch", "hub.store.contracts.ContractVersionMismatch", 409, False),
    ("contract_violation", "schemas.errors.ContractViolation", 422, False),
    ("delivery_failed", "schemas.errors.DeliveryError", 502, True),
    ("delivery_rejected", "schemas.errors.PermanentDeliveryError", 502, False),
    ("domain_not_owned", "hub.access.errors.DomainNotOwned", 403, False),
    ("empty_replay_window", "hub.api.routers.deliveries.EmptyReplayWindow", 422, False),
    ("endpoint_gone", "hub.delivery.push.failures.EndpointGone", 502, False),
    ("endpoint_refused", "hub.delivery.push.failures.EndpointRefused", 502, False),
    ("endpoint_unreachable", "hub.delivery.push.failures.EndpointUnreachable", 502, True),
    ("event_not_found", "hub.observability.trace_lookup.EventNotFound", 404, False),
    ("feed_already_connected", "hub.services.connectors.FeedAlreadyConnected", 409, False),
    ("grant_already_expired", "hub.services.access.GrantAlreadyExpired", 422, False),
    ("grant_missing", "hub.access.errors.GrantMissing", 403, False),
    ("grant_not_found", "hub.store.access.GrantNotFound", 404, False),
    ("held_behind_key", "connectors.republish.HeldBehindKey", 422, False),
    ("held_change_unreadable", "connectors.held_change.HeldChangeUnreadable", 422, False),
    ("held_row_not_kept", "connectors.quarantine_record.RowNotKept", 422, False),
    ("http_error", "hub.api.problems._PlainHTTPError", 500, False),
    ("hub_error", "schemas.errors.HubError", 500, False),
    ("id_mismatch", "hub.api.errors.IdMismatch", 422, False),
    ("incompatible_contract", "schemas.errors.IncompatibleContract", 409, False),
    ("internal_error", "hub.api.problems.InternalError", 500, False),
    ("invalid_agency_code", "hub.access.principals.InvalidAgencyCode", 422, False),
    ("invalid_connector_config", "connectors.registry.InvalidConnectorConfig", 422, False),
    ("invalid_contract", "schemas.contracts.document.InvalidContract", 422, False),
    ("invalid_file", "hub.cli.yaml_files.InvalidResourceFile", 422, False),
    ("invalid_input", "schemas.errors.InvalidInput", 422, False),
    ("invalid_name", "schemas.naming.InvalidName", 422, False),
    ("invalid_path", "hub.cli.contract_files.InvalidPath", 422, False),
    ("invalid_position", "connectors.postgres.resume.InvalidPosition", 422, False),
    ("invalid_schema", "schemas.contracts.normal_form.InvalidSchema", 422, False),
    ("invalid_secret_key", "hub.store.crypto.InvalidSecretKey", 422, False),
    ("invalid_setting", "hub.settings.InvalidSetting", 422, False),
    ("invalid_token", "hub.access.errors.InvalidToken", 401, False),
    ("key_column_missing", "connectors.postgres.errors.KeyColumnMissing", 422, False),
    ("key_missing", "connectors.polling.tables.KeyMissing", 422, False),
    ("lease_lost", "connectors.positions.LeaseLost", 409, False),
    ("local_service_error", "schemas.errors.LocalServiceError", 503, False),
    ("mapping_cast_failed", "connectors.mapping.values.CastFailed", 422, False),
    ("mapping_contract_missing", "connectors.mapping.pipeline.MappedContractMissing", 422, False),
    ("mapping_enum_not_covered", "connectors.mapping.checks.EnumNotCovered", 422, False),
    ("mapping_failed", "connectors.mapping.values.MappingFailed", 422, False),
    ("mapping_key_missing", "connectors.mapping.rows.MappingKeyMissing", 422, False),
    ("mapping_missing_field", "connectors.mapping.checks.MissingField", 422, False),
    ("mapping_refused", "connectors.mapping.checks.MappingRefused", 422, False),
    ("mapping_type_mismatch", "connectors.mapping.checks.TypeMismatch", 422, False),
    ("mapping_unknown_column", "connectors.mapping.checks.UnknownColumn", 422, False),
    ("mapping_unknown_field", "connectors.mapping.checks.UnknownField", 422, False),
    ("mapping_value_not_in_enum", "connectors.mapping.checks.ValueNotInEnum", 422, False),
    ("mapping_value_unmapped", "connectors.mapping.values.UnmappedCode", 422, False),
    ("method_not_allowed", "hub.api.problems.MethodNotAllowed", 405, False),
    ("missing_event_type", "hub.cli.contract_files.MissingEventType", 422, False),
    ("missing_row", "schemas.contracts.validation.MissingRow", 422, False),
    ("name_mismatch", "hub.api.errors.NameMismatch", 422, False),
    ("no_create_privilege", "connectors.postgres.preflight.NoCreatePrivilege", 422, False),
    ("no_primary_key", "connectors.postgres.errors.NoPrimaryKey", 422, False),
    ("no_replication_privilege", "connectors.postgres.errors.NoReplicationPrivilege", 422, False),
    ("non_finite_number", "hub.api.json_numbers.NonFiniteNumber", 422, False),
    ("not_found", "schemas.errors.NotFound", 404, False),
    ("not_owner", "hub.access.errors.NotOwner", 403, False),
    ("not_table_owner", "connectors.postgres.preflight.NotTableOwner", 422, False),
    ("nothing_held", "hub.services.connectors.NothingHeld", 409, False),
    ("organisation_exists", "hub.store.access.OrganisationExists", 409, False),
    ("organisation_not_found", "hub.store.access.OrganisationNotFound", 404, False),
    ("outbox_mark_column_type", "connectors.postgres.errors.OutboxMarkColumnType", 422, False),
    ("outbox_row_malformed", "connectors.outbox.MalformedOutboxRow", 422, False),
    ("password_required", "hub.services.connector_targets.PasswordRequired", 422, False),
    ("payload_too_large", "hub.api.problems.PayloadTooLarge", 413, False),
    ("pgoutput_protocol_error", "connectors.postgres.pgoutput.ProtocolError", 503, False),
    ("position_malformed", "connectors.polling.watermark.MalformedPosition", 503, False),
    ("preview_unsupported", "connectors.preview.PreviewUnsupported", 422, False),
    ("publication_lacks_table", "connectors.postgres.preflight.PublicationLacksTable", 422, False),
    ("publication_missing", "connectors.postgres.preflight.PublicationMissing", 422, False),
    ("push_failed", "hub.delivery.push.failures.PushFailed", 502, True),
    ("push_rejected", "hub.delivery.push.failures.PushRejected", 502, False),
    ("push_timeout", "hub.delivery.push.failures.PushTimeout", 502, True),
    ("quarantine_entry_not_found", "hub.services.quarantine.service.QuarantineEntryNotFound", 404, False),
    ("quarantine_id_invalid", "hub.services.quarantine.entries.QuarantineIdInvalid", 422, False),
    ("record_too_large", "connectors.publisher.RecordTooLarge", 422, False),
    ("record_unknown", "connectors.record_memory.RecordUnknown", 422, False),
    ("redirect_refused", "hub.delivery.push.failures.RedirectRefused", 502, False),
    ("replica_identity_insufficient", "connectors.postgres.errors.ReplicaIdentityInsufficient", 422, False),
    ("replication_stream_broken", "connectors.postgres.errors.ReplicationStreamBroken", 503, True),
    ("request_timeout", "hub.api.problems.RequestTimeout", 408, True),
    ("retry_topic_partitions", "hub.delivery.pipeline.copartition.RetryTopicMismatch", 422, False),
    ("role_missing", "hub.access.errors.RoleMissing", 403, False),
    ("secret_key_mismatch", "hub.store.crypto.SecretKeyMismatch", 422, False),
    ("skipped_by_operator", "connectors.publisher.SkippedByOperator", 422, False),
    ("slot_claimed", "hub.services.connectors.SlotClaimed", 409, False),
    ("slot_in_use", "connectors.postgres.preflight.SlotInUse", 422, False),
    ("slot_lost", "connectors.postgres.errors.SlotLost", 503, False),
    ("source_error", "schemas.errors.SourceError", 503, True),
    ("source_not_started", "connectors.polling.source.SourceNotStarted", 503, False),
    ("source_query_failed", "connectors.postgres.errors.SourceQueryFailed", 503, True),
    ("source_unavailable", "connectors.errors.SourceUnavailable", 503, True),
    ("source_unreachable", "connectors.errors.SourceUnreachable", 422, False),
    ("source_url_unusable", "connectors.polling.database.SourceUrlUnusable", 422, False),
    ("store_unavailable", "hub.store.connector_runtime.StoreUnavailable", 503, True),
    ("subject_mismatch", "hub.store.contracts.SubjectMismatch", 422, False),
    ("subscription_exists", "hub.store.subscriptions.SubscriptionExists", 409, False),
    ("subscription_not_found", "hub.store.subscriptions.SubscriptionNotFound", 404, False),
    ("table_missing", "connectors.errors.TableMissing", 422, False),
    ("table_renamed", "connectors.postgres.errors.TableRenamed", 503, False),
    ("table_unreadable", "connectors.polling.validation.TableUnreadable", 422, False),
    ("token_expired", "hub.access.errors.TokenExpired", 401, False),
    ("token_not_found", "hub.store.access.TokenNotFound", 404, False),
    ("token_revoked", "hub.access.errors.TokenRevoked", 401, False),
    ("token_roles_exceed_organisation", "hub.services.access.TokenRolesExceedOrganisation", 422, False),
    ("unauthenticated", "schemas.errors.Unauthenticated", 401, False),
    ("unknown_admin_unit", "schemas.errors.UnknownAdminUnit", 422, False),
    ("unknown_connector_kind", "connectors.registry.UnknownKind", 422, False),
    ("unknown_contract", "schemas.errors.UnknownContract", 422, False),
    ("unknown_feed", "schemas.feeds.registry.UnknownFeed", 404, False),
    ("unknown_owner", "hub.services.resources.UnknownOwner", 422, False),
    ("unknown_table", "hub.services.connectors.UnknownTable", 422, False),
    ("unresolvable_endpoint", "hub.endpoint_safety.UnresolvableEndpoint", 422, False),
    ("unroutable_change", "connectors.envelope.UnroutableChange", 422, False),
    ("unsafe_endpoint", "schemas.errors.UnsafeEndpoint", 422, False),
    ("unserialisable_row", "connectors.publisher.UnserialisableRow", 422, False),
    ("wal_level_not_logical", "connectors.postgres.errors.WalLevelNotLogical", 422, False),
]


def test_every_code_is_listed_with_its_class_status_and_retriability() -> None:
    found = [
        (cls.code, f"{cls.__module__}.{cls.__qualname__}", cls.status, cls.retriable)
        for cls in error_reference.load_all()
    ]
    assert found == ERRORS


def test_the_reference_document_is_up_to_date() -> None:
    assert error_reference.main(["--check"]) == 0


def test_drift_is_reported_and_the_file_rewritten(tmp_path: Path) -> None:
    stale = tmp_path / "errors.md"
    stale.write_text("# Error reference\n", encoding="utf-8")
    assert error_reference.main(["--check", "--path", str(stale)]) == 1
    assert error_reference.main(["--path", str(stale)]) == 0
    assert error_reference.main(["--check", "--path", str(stale)]) == 0
    assert "| `not_found` | `schemas.errors.NotFound` | 404 | no |" in stale.read_text(encoding="utf-8")
