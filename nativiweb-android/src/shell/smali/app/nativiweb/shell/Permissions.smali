# Camera, microphone and location for the page (getUserMedia, navigator.geolocation), asked
# through ShellChrome. A request is granted only for a page in the app (the asset host or an
# allowed host, Assets.inApp on the request's origin) and only for what the app's manifest
# declares: the camera (PermissionRequest.RESOURCE_VIDEO_CAPTURE) needs
# android.permission.CAMERA, the microphone (RESOURCE_AUDIO_CAPTURE) RECORD_AUDIO, location
# ACCESS_FINE_LOCATION or ACCESS_COARSE_LOCATION. A declared permission the user has not
# granted yet is asked for first (Activity.requestPermissions, answered in
# MainActivity.onRequestPermissionsResult). Everything else is denied: protected media ids
# (DRM), MIDI sysex, and any resource a newer WebView may add.
.class public final Lapp/nativiweb/shell/Permissions;
.super Ljava/lang/Object;
.source "Permissions.smali"

# requestPermissions codes: 0x4e58 for camera/microphone, 0x4e59 for location (MainActivity's
# file picker uses 0x4e57).

.field private final activity:Lapp/nativiweb/shell/MainActivity;

# The camera/microphone request waiting for the user's answer, else null.
.field private media:Landroid/webkit/PermissionRequest;

# The location request waiting for the user's answer (callback null when none).
.field private geoOrigin:Ljava/lang/String;
.field private geoCallback:Landroid/webkit/GeolocationPermissions$Callback;

.method public constructor <init>(Lapp/nativiweb/shell/MainActivity;)V
    .registers 2
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    iput-object p1, p0, Lapp/nativiweb/shell/Permissions;->activity:Lapp/nativiweb/shell/MainActivity;
    return-void
.end method

# The Android permission a WebView resource needs, or null for resources never granted.
.method public static forResource(Ljava/lang/String;)Ljava/lang/String;
    .registers 2
    const-string v0, "android.webkit.resource.VIDEO_CAPTURE"
    invoke-virtual {v0, p0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v0
    if-eqz v0, :not_camera
    const-string v0, "android.permission.CAMERA"
    return-object v0
    :not_camera
    const-string v0, "android.webkit.resource.AUDIO_CAPTURE"
    invoke-virtual {v0, p0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v0
    if-eqz v0, :none
    const-string v0, "android.permission.RECORD_AUDIO"
    return-object v0
    :none
    const/4 v0, 0x0
    return-object v0
.end method

# Whether the app's manifest declares perm (<uses-permission>), read at run time.
.method public declares(Ljava/lang/String;)Z
    .registers 8
    iget-object v0, p0, Lapp/nativiweb/shell/Permissions;->activity:Lapp/nativiweb/shell/MainActivity;
    :try_start
    invoke-virtual {v0}, Landroid/content/Context;->getPackageManager()Landroid/content/pm/PackageManager;
    move-result-object v1
    invoke-virtual {v0}, Landroid/content/Context;->getPackageName()Ljava/lang/String;
    move-result-object v2
    # PackageManager.GET_PERMISSIONS
    const/16 v3, 0x1000
    invoke-virtual {v1, v2, v3}, Landroid/content/pm/PackageManager;->getPackageInfo(Ljava/lang/String;I)Landroid/content/pm/PackageInfo;
    move-result-object v1
    :try_end
    .catch Ljava/lang/Exception; {:try_start .. :try_end} :no
    iget-object v1, v1, Landroid/content/pm/PackageInfo;->requestedPermissions:[Ljava/lang/String;
    if-eqz v1, :no
    array-length v2, v1
    const/4 v3, 0x0
    :loop
    if-ge v3, v2, :no
    aget-object v4, v1, v3
    invoke-virtual {p1, v4}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v5
    if-nez v5, :yes
    add-int/lit8 v3, v3, 0x1
    goto :loop
    :yes
    const/4 v0, 0x1
    return v0
    :no
    const/4 v0, 0x0
    return v0
.end method

# Whether perm is granted now (Context.checkSelfPermission, API 23).
.method public granted(Ljava/lang/String;)Z
    .registers 3
    iget-object v0, p0, Lapp/nativiweb/shell/Permissions;->activity:Lapp/nativiweb/shell/MainActivity;
    invoke-virtual {v0, p1}, Landroid/content/Context;->checkSelfPermission(Ljava/lang/String;)I
    move-result v0
    # PackageManager.PERMISSION_GRANTED
    if-nez v0, :no
    const/4 v0, 0x1
    return v0
    :no
    const/4 v0, 0x0
    return v0
.end method

# Whether perm is declared in the manifest and granted now.
.method public usable(Ljava/lang/String;)Z
    .registers 3
    invoke-virtual {p0, p1}, Lapp/nativiweb/shell/Permissions;->declares(Ljava/lang/String;)Z
    move-result v0
    if-eqz v0, :no
    invoke-virtual {p0, p1}, Lapp/nativiweb/shell/Permissions;->granted(Ljava/lang/String;)Z
    move-result v0
    return v0
    :no
    const/4 v0, 0x0
    return v0
.end method

# Whether perm is declared in the manifest but not granted yet (worth asking the user).
.method public askable(Ljava/lang/String;)Z
    .registers 3
    invoke-virtual {p0, p1}, Lapp/nativiweb/shell/Permissions;->declares(Ljava/lang/String;)Z
    move-result v0
    if-eqz v0, :no
    invoke-virtual {p0, p1}, Lapp/nativiweb/shell/Permissions;->granted(Ljava/lang/String;)Z
    move-result v0
    if-nez v0, :no
    const/4 v0, 0x1
    return v0
    :no
    const/4 v0, 0x0
    return v0
.end method

# A list of strings as an array.
.method public static array(Ljava/util/ArrayList;)[Ljava/lang/String;
    .registers 3
    invoke-virtual {p0}, Ljava/util/ArrayList;->size()I
    move-result v0
    new-array v0, v0, [Ljava/lang/String;
    invoke-virtual {p0, v0}, Ljava/util/ArrayList;->toArray([Ljava/lang/Object;)[Ljava/lang/Object;
    move-result-object v0
    check-cast v0, [Ljava/lang/String;
    return-object v0
.end method

# WebChromeClient.onPermissionRequest: camera / microphone for getUserMedia.
.method public onMedia(Landroid/webkit/PermissionRequest;)V
    .registers 9
    iget-object v0, p0, Lapp/nativiweb/shell/Permissions;->activity:Lapp/nativiweb/shell/MainActivity;
    invoke-virtual {p1}, Landroid/webkit/PermissionRequest;->getOrigin()Landroid/net/Uri;
    move-result-object v1
    if-eqz v1, :deny
    invoke-static {v0, v1}, Lapp/nativiweb/shell/Assets;->inApp(Lapp/nativiweb/shell/MainActivity;Landroid/net/Uri;)Z
    move-result v1
    if-eqz v1, :deny
    # One at a time: a second request while the first waits for the user is denied.
    iget-object v1, p0, Lapp/nativiweb/shell/Permissions;->media:Landroid/webkit/PermissionRequest;
    if-nez v1, :deny
    invoke-virtual {p1}, Landroid/webkit/PermissionRequest;->getResources()[Ljava/lang/String;
    move-result-object v2
    if-eqz v2, :deny
    # v1 = the declared permissions still to ask the user for
    new-instance v1, Ljava/util/ArrayList;
    invoke-direct {v1}, Ljava/util/ArrayList;-><init>()V
    array-length v3, v2
    const/4 v4, 0x0
    :loop
    if-ge v4, v3, :collected
    aget-object v5, v2, v4
    invoke-static {v5}, Lapp/nativiweb/shell/Permissions;->forResource(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v5
    if-eqz v5, :next
    invoke-virtual {p0, v5}, Lapp/nativiweb/shell/Permissions;->askable(Ljava/lang/String;)Z
    move-result v6
    if-eqz v6, :next
    invoke-virtual {v1, v5}, Ljava/util/ArrayList;->contains(Ljava/lang/Object;)Z
    move-result v6
    if-nez v6, :next
    invoke-virtual {v1, v5}, Ljava/util/ArrayList;->add(Ljava/lang/Object;)Z
    :next
    add-int/lit8 v4, v4, 0x1
    goto :loop
    :collected
    invoke-virtual {v1}, Ljava/util/ArrayList;->isEmpty()Z
    move-result v3
    if-nez v3, :answer
    # Kept before asking: Activity answers a second concurrent ask at once, inside the call.
    iput-object p1, p0, Lapp/nativiweb/shell/Permissions;->media:Landroid/webkit/PermissionRequest;
    invoke-static {v1}, Lapp/nativiweb/shell/Permissions;->array(Ljava/util/ArrayList;)[Ljava/lang/String;
    move-result-object v1
    const/16 v2, 0x4e58
    invoke-virtual {v0, v1, v2}, Landroid/app/Activity;->requestPermissions([Ljava/lang/String;I)V
    return-void
    :answer
    invoke-virtual {p0, p1}, Lapp/nativiweb/shell/Permissions;->answerMedia(Landroid/webkit/PermissionRequest;)V
    return-void
    :deny
    invoke-virtual {p1}, Landroid/webkit/PermissionRequest;->deny()V
    return-void
.end method

# Grants the request's resources whose permission is declared and granted (never
# request.getResources() as a whole); denies it when there are none.
.method public answerMedia(Landroid/webkit/PermissionRequest;)V
    .registers 8
    invoke-virtual {p1}, Landroid/webkit/PermissionRequest;->getResources()[Ljava/lang/String;
    move-result-object v0
    if-eqz v0, :deny
    new-instance v1, Ljava/util/ArrayList;
    invoke-direct {v1}, Ljava/util/ArrayList;-><init>()V
    array-length v2, v0
    const/4 v3, 0x0
    :loop
    if-ge v3, v2, :collected
    aget-object v4, v0, v3
    invoke-static {v4}, Lapp/nativiweb/shell/Permissions;->forResource(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v5
    if-eqz v5, :next
    invoke-virtual {p0, v5}, Lapp/nativiweb/shell/Permissions;->usable(Ljava/lang/String;)Z
    move-result v5
    if-eqz v5, :next
    invoke-virtual {v1, v4}, Ljava/util/ArrayList;->add(Ljava/lang/Object;)Z
    :next
    add-int/lit8 v3, v3, 0x1
    goto :loop
    :collected
    invoke-virtual {v1}, Ljava/util/ArrayList;->isEmpty()Z
    move-result v2
    if-nez v2, :deny
    invoke-static {v1}, Lapp/nativiweb/shell/Permissions;->array(Ljava/util/ArrayList;)[Ljava/lang/String;
    move-result-object v1
    invoke-virtual {p1, v1}, Landroid/webkit/PermissionRequest;->grant([Ljava/lang/String;)V
    return-void
    :deny
    invoke-virtual {p1}, Landroid/webkit/PermissionRequest;->deny()V
    return-void
.end method

# WebChromeClient.onPermissionRequestCanceled: forget it if it is the one waiting.
.method public mediaCanceled(Landroid/webkit/PermissionRequest;)V
    .registers 3
    iget-object v0, p0, Lapp/nativiweb/shell/Permissions;->media:Landroid/webkit/PermissionRequest;
    if-ne v0, p1, :done
    const/4 v0, 0x0
    iput-object v0, p0, Lapp/nativiweb/shell/Permissions;->media:Landroid/webkit/PermissionRequest;
    :done
    return-void
.end method

# Whether a declared location permission (fine or coarse) is granted.
.method public locationUsable()Z
    .registers 3
    const-string v0, "android.permission.ACCESS_FINE_LOCATION"
    invoke-virtual {p0, v0}, Lapp/nativiweb/shell/Permissions;->usable(Ljava/lang/String;)Z
    move-result v0
    if-nez v0, :yes
    const-string v0, "android.permission.ACCESS_COARSE_LOCATION"
    invoke-virtual {p0, v0}, Lapp/nativiweb/shell/Permissions;->usable(Ljava/lang/String;)Z
    move-result v0
    if-nez v0, :yes
    const/4 v0, 0x0
    return v0
    :yes
    const/4 v0, 0x1
    return v0
.end method

# WebChromeClient.onGeolocationPermissionsShowPrompt: navigator.geolocation. The answer is not
# retained by the WebView, so a permission revoked in the system settings takes effect.
.method public onLocation(Ljava/lang/String;Landroid/webkit/GeolocationPermissions$Callback;)V
    .registers 8
    iget-object v0, p0, Lapp/nativiweb/shell/Permissions;->activity:Lapp/nativiweb/shell/MainActivity;
    if-eqz p1, :deny
    invoke-static {p1}, Landroid/net/Uri;->parse(Ljava/lang/String;)Landroid/net/Uri;
    move-result-object v1
    invoke-static {v0, v1}, Lapp/nativiweb/shell/Assets;->inApp(Lapp/nativiweb/shell/MainActivity;Landroid/net/Uri;)Z
    move-result v1
    if-eqz v1, :deny
    invoke-virtual {p0}, Lapp/nativiweb/shell/Permissions;->locationUsable()Z
    move-result v1
    if-nez v1, :allow
    # One at a time.
    iget-object v1, p0, Lapp/nativiweb/shell/Permissions;->geoCallback:Landroid/webkit/GeolocationPermissions$Callback;
    if-nez v1, :deny
    # v1 = the declared location permissions to ask the user for
    new-instance v1, Ljava/util/ArrayList;
    invoke-direct {v1}, Ljava/util/ArrayList;-><init>()V
    const-string v2, "android.permission.ACCESS_FINE_LOCATION"
    invoke-virtual {p0, v2}, Lapp/nativiweb/shell/Permissions;->askable(Ljava/lang/String;)Z
    move-result v3
    if-eqz v3, :no_fine
    invoke-virtual {v1, v2}, Ljava/util/ArrayList;->add(Ljava/lang/Object;)Z
    :no_fine
    const-string v2, "android.permission.ACCESS_COARSE_LOCATION"
    invoke-virtual {p0, v2}, Lapp/nativiweb/shell/Permissions;->askable(Ljava/lang/String;)Z
    move-result v3
    if-eqz v3, :no_coarse
    invoke-virtual {v1, v2}, Ljava/util/ArrayList;->add(Ljava/lang/Object;)Z
    :no_coarse
    invoke-virtual {v1}, Ljava/util/ArrayList;->isEmpty()Z
    move-result v3
    if-nez v3, :deny
    iput-object p1, p0, Lapp/nativiweb/shell/Permissions;->geoOrigin:Ljava/lang/String;
    iput-object p2, p0, Lapp/nativiweb/shell/Permissions;->geoCallback:Landroid/webkit/GeolocationPermissions$Callback;
    invoke-static {v1}, Lapp/nativiweb/shell/Permissions;->array(Ljava/util/ArrayList;)[Ljava/lang/String;
    move-result-object v1
    const/16 v2, 0x4e59
    invoke-virtual {v0, v1, v2}, Landroid/app/Activity;->requestPermissions([Ljava/lang/String;I)V
    return-void
    :allow
    const/4 v1, 0x1
    const/4 v2, 0x0
    invoke-interface {p2, p1, v1, v2}, Landroid/webkit/GeolocationPermissions$Callback;->invoke(Ljava/lang/String;ZZ)V
    return-void
    :deny
    const/4 v1, 0x0
    invoke-interface {p2, p1, v1, v1}, Landroid/webkit/GeolocationPermissions$Callback;->invoke(Ljava/lang/String;ZZ)V
    return-void
.end method

# WebChromeClient.onGeolocationPermissionsHidePrompt: the page no longer waits for an answer.
.method public locationHidden()V
    .registers 2
    const/4 v0, 0x0
    iput-object v0, p0, Lapp/nativiweb/shell/Permissions;->geoOrigin:Ljava/lang/String;
    iput-object v0, p0, Lapp/nativiweb/shell/Permissions;->geoCallback:Landroid/webkit/GeolocationPermissions$Callback;
    return-void
.end method

# The user answered (MainActivity.onRequestPermissionsResult): answer the waiting request from
# what is granted now (an interrupted dialog gives empty results: then nothing new is granted).
.method public answered(I)V
    .registers 6
    const/16 v0, 0x4e58
    if-ne p1, v0, :not_media
    iget-object v0, p0, Lapp/nativiweb/shell/Permissions;->media:Landroid/webkit/PermissionRequest;
    const/4 v1, 0x0
    iput-object v1, p0, Lapp/nativiweb/shell/Permissions;->media:Landroid/webkit/PermissionRequest;
    if-eqz v0, :done
    invoke-virtual {p0, v0}, Lapp/nativiweb/shell/Permissions;->answerMedia(Landroid/webkit/PermissionRequest;)V
    return-void
    :not_media
    const/16 v0, 0x4e59
    if-ne p1, v0, :done
    iget-object v0, p0, Lapp/nativiweb/shell/Permissions;->geoCallback:Landroid/webkit/GeolocationPermissions$Callback;
    iget-object v1, p0, Lapp/nativiweb/shell/Permissions;->geoOrigin:Ljava/lang/String;
    invoke-virtual {p0}, Lapp/nativiweb/shell/Permissions;->locationHidden()V
    if-eqz v0, :done
    invoke-virtual {p0}, Lapp/nativiweb/shell/Permissions;->locationUsable()Z
    move-result v2
    const/4 v3, 0x0
    invoke-interface {v0, v1, v2, v3}, Landroid/webkit/GeolocationPermissions$Callback;->invoke(Ljava/lang/String;ZZ)V
    :done
    return-void
.end method
