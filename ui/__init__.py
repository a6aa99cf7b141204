"""The Qt face of ATENSI Desktop: calls atensi_desktop services, never SQL."""
